"""Retraining from the studio, without servers: the progress bar, the gate comparison,
publishing and rolling back (with a swap that records what it was asked), roles, CSRF."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.bookings.db import session_scope
from bot.channels.studio_model import find_model
from bot.model_store import LIVE_POINTER, STUDIO_MODELS_ENV, is_model_name, studio_live_model
from bot.studio.models import AuditEntry
from bot.studio.training import publishing
from bot.studio.training.gates import compare
from bot.studio.training.job import (
    STAGES,
    Trainer,
    discard_refused_model,
    overall_progress,
    snapshot,
    training_progress,
    validation_problems,
)
from bot.studio.training.models import ModelPublication, TrainingRun
from tests.unit.studio.test_answer_pages import _client, _token

OLD = "pit-000000000001.tar.gz"
NEW = "pit-00000000000a.tar.gz"


@pytest.fixture
def models_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "models"
    folder.mkdir()
    monkeypatch.setenv(STUDIO_MODELS_ENV, str(folder))
    for name in (OLD, NEW):
        (folder / name).write_bytes(b"not really a model")
    return folder


class RecordingSwap:
    """Stands in for the Rasa server's swap; says which model it was asked to load."""

    def __init__(self, fail: bool = False) -> None:
        self.asked: list = []
        self.fail = fail

    def __call__(self, model_file: str) -> float:
        from bot.studio.training.swap_client import SwapError

        self.asked.append(model_file)
        if self.fail:
            raise SwapError("The assistant's server did not answer.")
        return 12.5


def _bar(*values: int) -> bytes:
    return b"".join(b"\rEpochs:  %d%%|####| %d/60" % (v, v) for v in values)


def test_the_progress_bar_follows_both_classifiers_epochs():
    assert training_progress(b"") == 0.0
    assert training_progress(_bar(0, 10, 50)) == pytest.approx(0.25)
    assert training_progress(_bar(0, 50, 100, 100)) == pytest.approx(0.5)
    assert training_progress(_bar(0, 100, 0, 40)) == pytest.approx(0.7)
    assert training_progress(_bar(0, 100, 0, 100)) == pytest.approx(1.0)
    assert overall_progress(STAGES[0].key, 0.0) == 0.0
    assert overall_progress("train", 1.0) == pytest.approx(STAGES[0].share + STAGES[1].share)
    assert overall_progress(STAGES[-1].key, 1.0) == pytest.approx(1.0)


def test_the_nlu_gate_refuses_a_label_below_its_minimum_or_a_drop_over_one_point():
    live = {"faq/cost": [10, 10], "greet": [10, 10]}
    fine = compare("held-out", {"faq/cost": [10, 10], "greet": [10, 10]}, live, {})
    assert fine["problems"] == [] and fine["labels"][0]["live"] == 1.0

    low = compare("held-out", {"faq/cost": [7, 10], "greet": [10, 10]}, live, {"faq/cost": 0.75})
    assert any("faq/cost 70.0% is below its minimum 75.0%" in p for p in low["problems"])
    assert any("more than 1 point below the live model's 100.0%" in p for p in low["problems"])

    # 200 questions: one more wrong is half a point (allowed), three more is 1.5 (refused).
    live_big = {"faq/cost": [200, 200]}
    assert compare("f", {"faq/cost": [199, 200]}, live_big, {})["problems"] == []
    assert compare("f", {"faq/cost": [197, 200]}, live_big, {})["problems"]

    with_new_topic = {**live, "faq/parking": [4, 4]}
    new_topic = compare("f", with_new_topic, live, {"faq/parking": None})
    parking = [row for row in new_topic["labels"] if row["label"] == "faq/parking"][0]
    assert parking["live"] is None and new_topic["problems"] == []


def test_validation_problems_are_rasas_own_words_without_the_noise():
    log = (
        "\x1b[93m/x/io.py:100: UserWarning: The utterance 'utter_faq' is not used in any story "
        "or rule.\n"
        "Found intent 'no_such_intent' in stories which is not part of the domain.\n"
        "\x1b[93m/x/io.py:100: UserWarning: The intent 'no_such_intent' is used in your "
        "stories, but it is not listed in the domain file.\x1b[0m\n"
        "2026-12-02 02:55:24 INFO     rasa.validator  - Story structure validation...\n"
        "2026-12-02 02:55:24 ERROR    rasa.validator  - Something else broke.\n"
    )
    assert validation_problems(log) == [
        "Found intent 'no_such_intent' in stories which is not part of the domain.",
        "The intent 'no_such_intent' is used in your stories, but it is not listed in the "
        "domain file.",
        "Something else broke.",
    ]


def test_the_snapshot_holds_what_training_reads(content, tmp_path):
    copy = snapshot(content, tmp_path / "snap")
    assert (copy / "config.yml").is_file() and (copy / "domain.yml").is_file()
    assert (copy / "data" / "faq" / "does_it_hurt.yml").is_file()


def _run(factory, state: str = "passed", model_file: str = NEW) -> int:
    with session_scope(factory) as work:
        run = TrainingRun(
            started_by="pub",
            state=state,
            model_file=model_file,
            fingerprint=publishing.fingerprint_of(model_file),
            problems=[],
            report={},
        )
        work.add(run)
        work.flush()
        return int(run.id)


def test_publishing_records_the_start_model_then_the_new_one_and_rolls_back(factory, models_dir):
    swap = RecordingSwap()
    run_id = _run(factory)
    with session_scope(factory) as work:
        publishing.publish_run(work, run_id, "pub", OLD, swap, models_dir)
    with session_scope(factory) as work:
        kinds = [(p.kind, p.model_file) for p in reversed(publishing.history(work))]
        assert kinds == [("started", OLD), ("publish", NEW)]
        assert work.get(TrainingRun, run_id).state == "published"
        started = publishing.history(work)[-1].id
    assert swap.asked == [NEW]

    with session_scope(factory) as work:
        publishing.roll_back(work, started, "pub", NEW, swap, models_dir)
    with session_scope(factory) as work:
        assert publishing.live_publication(work).model_file == OLD
        actions = [e.action for e in work.execute(select(AuditEntry)).scalars()]
        assert actions == ["model.publish", "model.rollback"]
    assert swap.asked == [NEW, OLD]


def test_only_a_passed_run_is_published_and_a_failed_swap_changes_nothing(factory, models_dir):
    swap = RecordingSwap()
    failed = _run(factory, state="failed")
    with session_scope(factory) as work, pytest.raises(publishing.PublishError, match="passed"):
        publishing.publish_run(work, failed, "pub", OLD, swap, models_dir)
    assert swap.asked == []

    passed = _run(factory)
    broken = RecordingSwap(fail=True)
    with pytest.raises(Exception, match="did not answer"):
        with session_scope(factory) as work:
            publishing.publish_run(work, passed, "pub", OLD, broken, models_dir)
    with session_scope(factory) as work:
        assert work.execute(select(ModelPublication)).first() is None
        assert work.get(TrainingRun, passed).state == "passed"


def test_a_run_left_running_by_a_stopped_studio_is_marked(factory, content, models_dir):
    orphan = _run(factory, state="running", model_file="")
    trainer = Trainer(factory, content, models_dir, models_dir / "runs", lambda: None)
    trainer.close_orphans()
    with session_scope(factory) as work:
        run = work.get(TrainingRun, orphan)
        assert run.state == "error" and "stopped" in run.problems[0]


def test_make_run_keeps_the_studio_choice_only_while_the_content_is_unchanged(
    models_dir, monkeypatch
):
    from bot import model_store

    monkeypatch.setattr(model_store, "training_fingerprint", lambda: "abc")
    monkeypatch.setattr(model_store, "ensure_pipeline", lambda: None)
    assert studio_live_model() is None  # nothing chosen yet
    publishing.write_pointer(models_dir, OLD, "abc")
    assert studio_live_model() == models_dir / OLD
    publishing.write_pointer(models_dir, OLD, "something else")
    assert studio_live_model() is None
    (models_dir / LIVE_POINTER).write_text("{not json")
    assert studio_live_model() is None
    (models_dir / LIVE_POINTER).write_text(json.dumps({"model": "pit-ffffffffffff.tar.gz"}))
    assert studio_live_model() is None


@pytest.mark.parametrize(
    "name", ["../pit-000000000001.tar.gz", "/etc/passwd", "pit-1.tar.gz", "x.tar.gz", ""]
)
def test_the_server_loads_only_our_model_names_from_our_folders(models_dir, name):
    assert not is_model_name(name) and find_model(name) is None


def test_the_server_finds_a_studio_model(models_dir):
    assert find_model(NEW) == models_dir / NEW
    assert find_model("pit-0000000000ff.tar.gz") is None


def test_the_model_page_by_role(app, models_dir):
    editor = _client(app, "ed")
    page = editor.get("/staff/models")
    assert page.status_code == 200
    assert "did not say which model" in page.text and "Train a new model" not in page.text
    token = _token(page.text)
    assert editor.post("/staff/models/train", data={"csrf_token": token}).status_code == 403

    publisher = _client(app, "pub")
    page = publisher.get("/staff/models")
    assert "Train a new model" in page.text
    assert publisher.post("/staff/models/train", data={}).status_code == 400  # no CSRF token
    assert publisher.get("/staff/models/runs/999/status").status_code == 404


def test_publishing_without_a_server_says_so_and_changes_nothing(app, factory, models_dir):
    run_id = _run(factory)
    publisher = _client(app, "pub")
    token = _token(publisher.get("/staff/models").text)
    answer = publisher.post(f"/staff/models/runs/{run_id}/publish", data={"csrf_token": token})
    assert answer.status_code == 302
    page = publisher.get("/staff/models").text
    assert "Not published" in page
    with session_scope(factory) as work:
        assert work.get(TrainingRun, run_id).state == "passed"
        assert work.execute(select(ModelPublication)).first() is None


def test_a_refused_model_is_deleted_unless_it_is_live_or_was_published(factory, models_dir):
    """Each refused candidate is about 100 MB and can never go live: its file goes."""
    refused = _run(factory, state="failed", model_file="pit-00000000000b.tar.gz")
    (models_dir / "pit-00000000000b.tar.gz").write_bytes(b"refused")
    with session_scope(factory) as work:
        run = work.get(TrainingRun, refused)
        assert discard_refused_model(work, run, models_dir, OLD)
    assert not (models_dir / "pit-00000000000b.tar.gz").exists()

    # The same content trained again and refused again, while an earlier run of it passed.
    passed = _run(factory, state="passed", model_file=NEW)
    again = _run(factory, state="failed", model_file=NEW)
    with session_scope(factory) as work:
        assert not discard_refused_model(work, work.get(TrainingRun, again), models_dir, OLD)
        work.get(TrainingRun, passed).state = "failed"
    # Live now, or live once (roll back needs it): kept.
    with session_scope(factory) as work:
        assert not discard_refused_model(work, work.get(TrainingRun, again), models_dir, NEW)
        went_live = ModelPublication(model_file=NEW, fingerprint="x", kind="publish")
        went_live.published_by = "pub"
        work.add(went_live)
    with session_scope(factory) as work:
        assert not discard_refused_model(work, work.get(TrainingRun, again), models_dir, OLD)
    assert (models_dir / NEW).is_file() and (models_dir / OLD).is_file()
