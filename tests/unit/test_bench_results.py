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


def _floor_result(bare_msg_per_s: float) -> dict:
    def figures(msg_per_s: float, cpu_ms: float) -> dict:
        return {
            "msg_per_s_10": msg_per_s, "p95_ms_10": 500.0, "msg_per_s_1": msg_per_s,
            "p50_ms_1": 30.0, "cpu_ms": cpu_ms, "failures": 0,
        }  # fmt: skip

    return {
        "date": "2026-12-05T11:00:00+00:00",
        "machine": {"host": "vm", "cpus": "2", "memory_gib": "24", "python": "3.10.13"},
        "settings": {"rounds": 1, "seconds": 10},
        "models": {},
        "summary": {
            "anchor": figures(30.0, 30.0),
            "bare": figures(bare_msg_per_s, 4.0),
            "ours": figures(18.0, 110.0),
            "encoder_cpu_ms": 20.0,
        },
        "rounds": {"anchor": [], "bare": [], "ours": []},
        "encoder": [{"cpu_ms": 20.0, "wall_ms": 11.0, "messages": 400}],
    }


def test_the_floor_report_says_whether_rasa_itself_is_the_limit():
    from bench.rasa_floor import to_markdown

    roomy = to_markdown(_floor_result(bare_msg_per_s=300.0))
    assert "**10.00x** the anchor" in roomy and "not the floor" in roomy
    assert "about half its CPU per message, 15.0 ms; ours takes 110.0 ms (3.67x" in roomy
    tight = to_markdown(_floor_result(bare_msg_per_s=45.0))
    assert "**1.50x**" in tight and "no assistant on Rasa 3.6 reaches the target" in tight
    assert "24.0 ms, over the 15.0 ms that 2x the anchor allows" in tight


def test_cpu_time_is_read_for_a_live_process():
    import os
    import time

    from bench.common import cpu_seconds

    # /proc counts in clock ticks (10 ms): spin well past a few ticks
    before = cpu_seconds(os.getpid())
    deadline = time.process_time() + 0.3
    while time.process_time() < deadline:
        pass
    assert 0.2 <= cpu_seconds(os.getpid()) - before < 5


def test_the_dev_set_runner_refuses_the_independent_set_before_starting_anything(capsys):
    from bench.red_flag_dev_set import INDEPENDENT_DIR, main

    assert main(["models/none.tar.gz", str(INDEPENDENT_DIR / "red_flags.yml")]) == 2
    assert "independent set" in capsys.readouterr().out


def test_the_dev_set_runner_counts_urgent_replies_per_category_and_kind():
    from bench.red_flag_dev_set import report
    from bot.evaluation.independent import Case

    cases = [Case("stroke", "en", "a"), Case("stroke", "es", "b"), Case("breathing", "en", "c")]
    lines = report(Path("set.yml"), cases, [], lambda text: text != "b").splitlines()
    caught = [line.split() for line in lines if line.startswith("  caught")]
    assert caught == [["caught", "breathing", "1/1"], ["caught", "stroke", "1/2"]]
    assert "  MISSED   stroke es | b" in lines


def test_the_detector_bench_lists_every_message_a_catalog_change_moved(capsys):
    from bench.red_flag_dev_detector import changes, report

    before = {"a.yml": {"missed": ["m1", "m2"], "flagged": ["f1"], "counts": [10, 20]}}
    after = {"a.yml": {"missed": ["m2"], "flagged": ["f1", "f2"], "counts": [10, 20]}}
    report(after)
    changes(before, after)
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["a.yml", "caught", "9/10", "flagged", "2/20"]
    assert out[1] == "all development sets: caught 9/10, flagged 2/20"
    assert sorted(out[2:]) == ["GONE missed  a.yml | m1", "NEW  flagged a.yml | f2"]


def test_the_quick_training_bench_changes_one_topic_and_reports_both_trainings(tmp_path: Path):
    from bench.quick_training import CHANGE, TOPIC_FILE, changed_content, report

    content = changed_content(tmp_path)
    text = (content / TOPIC_FILE).read_text(encoding="utf-8")
    assert all(text.count(f"    - {line}\n") == 1 for line in CHANGE)
    assert (content / "domain.yml").is_file() and (content / "config.yml").is_file()
    rows = {
        "full": {
            "in all": 300.0,
            "NeighbourVote": 30.0,
            "held-out questions": 0.97,
            "problems": 0.0,
        },
        "quick 0.25": {
            "in all": 200.0,
            "NeighbourVote": 30.0,
            "held-out questions": 0.96,
            "problems": 1.0,
        },
    }
    written = report(rows, Path("pit-000000000001.tar.gz"), "python bench/quick_training.py")
    assert "| in all | 300 s | 200 s (0.67x) |" in written
    assert "| held-out questions | 97.0% | 96.0% |" in written
    assert "| gate problems | 0 | 1 |" in written
