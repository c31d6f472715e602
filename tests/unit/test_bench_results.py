"""Benchmark results are records: a second run the same day gets its own file, and the
training-time bench reads each component's time from Rasa's own log lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import common
from bench.training_time import component_seconds, counterpart


def test_a_second_result_of_the_same_day_does_not_overwrite_the_first(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(common, "RESULTS_DIR", tmp_path)
    first = common.write_result("server-memory-x", "first\n")
    second = common.write_result("server-memory-x", "second\n")
    third = common.write_result("server-memory-x", "third\n")
    assert first.read_text() == "first\n" and second.read_text() == "second\n"
    assert second.name == first.name[: -len(".md")] + "-2.md"
    assert third.name.endswith("-3.md")
    assert len(list(tmp_path.iterdir())) == 3


HOOKS = "INFO     rasa.engine.training.hooks  -"
LOG = "\n".join(
    [
        f"2026-12-05 07:44:30 {HOOKS} Starting to train component 'CountVectorsFeaturizer'.",
        f"2026-12-05 07:44:31 {HOOKS} Finished training component 'CountVectorsFeaturizer'.",
        f"2026-12-05 07:44:47 {HOOKS} Starting to train component 'SentenceLevelDIETClassifier'.",
        "Epochs: 100%|##########| 60/60 [01:40<00:00,  1.67s/it, t_loss=2.5]",
        f"2026-12-05 07:46:29 {HOOKS} Finished training component 'SentenceLevelDIETClassifier'.",
        f"2026-12-05 23:59:50 {HOOKS} Starting to train component 'RulePolicy'.",
        f"2026-12-06 00:00:05 {HOOKS} Finished training component 'RulePolicy'.",
        f"2026-12-05 08:00:00 {HOOKS} Starting to train component 'NeverFinished'.",
    ]
)


def test_component_times_come_from_rasas_start_and_finish_lines():
    seconds = component_seconds(LOG)
    assert seconds == pytest.approx(
        {"CountVectorsFeaturizer": 1.0, "SentenceLevelDIETClassifier": 102.0, "RulePolicy": 15.0}
    )


def test_our_subclass_is_compared_with_rasas_class_it_replaces():
    before = ["CountVectorsFeaturizer", "DIETClassifier", "ResponseSelector", "in all"]
    assert counterpart("SentenceLevelDIETClassifier", before) == "DIETClassifier"
    assert counterpart("SentenceLevelResponseSelector", before) == "ResponseSelector"
    assert counterpart("CountVectorsFeaturizer", before) == "CountVectorsFeaturizer"
    assert counterpart("NeighbourVote", before) == "NeighbourVote"  # absent before: itself


def test_make_bench_picks_one_tag_free_for_its_report_and_its_locust_folder(
    tmp_path: Path, monkeypatch
):
    monkeypatch.setattr(common, "RESULTS_DIR", tmp_path)
    patterns = ["bench-{}.md", "bench-{}.json", "locust-{}"]
    assert common.unused_tag("2026-12-05", patterns) == "2026-12-05"
    (tmp_path / "locust-2026-12-05").mkdir()  # only the folder is there: still taken
    assert common.unused_tag("2026-12-05", patterns) == "2026-12-05-2"
    (tmp_path / "bench-2026-12-05-2.json").write_text("{}")
    assert common.unused_tag("2026-12-05", patterns) == "2026-12-05-3"
