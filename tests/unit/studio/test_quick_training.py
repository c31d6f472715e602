"""Quick training from the studio: which model a run starts from, how quick models are
named, and the way back to a full training when Rasa refuses to fine-tune.

Rasa's own process is stood in for by small Python commands (what it prints and the file
it writes); our trainer, its database rows and its log are the real ones. The real Rasa's
refusal is in tests/integration/test_quick_training.py, and a real quick training with its
gates in tests/browser/test_studio_retrain.py."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List

import pytest

from bot.bookings.db import session_scope
from bot.channels.studio_model import find_model
from bot.model_store import (
    QUICK_EPOCH_FRACTION,
    STUDIO_MODELS_ENV,
    content_of,
    full_base,
    full_model_name,
    is_model_name,
    quick_model_name,
    quick_train_command,
    train_command,
)
from bot.studio.training import job, publishing
from bot.studio.training.job import Trainer, finetune_refused
from bot.studio.training.models import TrainingRun

BASE = "pit-0000000000b0.tar.gz"
CONTENT = "0000000000c1"


@pytest.fixture
def models_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "models"
    folder.mkdir()
    monkeypatch.setenv(STUDIO_MODELS_ENV, str(folder))
    (folder / BASE).write_bytes(b"a full model")
    return folder


def test_quick_models_name_their_content_and_the_full_model_they_started_from(models_dir):
    name = quick_model_name(CONTENT, models_dir / BASE)
    assert name == f"pit-{CONTENT}-from-0000000000b0.tar.gz"
    assert is_model_name(name) and is_model_name(BASE)
    assert content_of(name) == CONTENT and content_of(BASE) == "0000000000b0"
    assert publishing.fingerprint_of(name) == CONTENT  # fits the 12-character column
    (models_dir / name).write_bytes(b"a quick model")
    assert find_model(name) == models_dir / name  # the server may load it


@pytest.mark.parametrize(
    "name",
    [
        "pit-0000000000c1-from-0000000000b0.tar.gz.exe",
        "pit-0000000000c1-from-../0000000000b0.tar.gz",
        "pit-0000000000c1-from-0000000000B0.tar.gz",
        "pit-0000000000c1-from-.tar.gz",
        "pit-0000000000c1-to-0000000000b0.tar.gz",
        "../pit-0000000000c1-from-0000000000b0.tar.gz",
    ],
)
def test_nothing_else_passes_for_a_quick_model_name(models_dir, name):
    assert not is_model_name(name) and find_model(name) is None


def test_a_quick_training_starts_from_a_full_model_never_from_a_quick_one(models_dir):
    base = models_dir / BASE
    quick = models_dir / quick_model_name(CONTENT, base)
    quick.write_bytes(b"a quick model")
    assert full_base(base) == base
    assert full_base(quick) == base  # not quick on quick: errors would pile up
    base.unlink()
    assert full_base(quick) is None  # its full model is gone: train in full
    assert full_base(None) is None
    assert full_base(models_dir / "someone-elses.tar.gz") is None


def test_the_quick_command_is_rasas_finetune_with_a_share_of_the_epochs(models_dir, tmp_path):
    base = models_dir / BASE
    command = quick_train_command(tmp_path, models_dir, CONTENT, base)
    full = train_command(tmp_path, models_dir, CONTENT)
    name = command[command.index("--fixed-model-name") + 1]
    assert name + ".tar.gz" == quick_model_name(CONTENT, base)
    assert command[command.index("--finetune") + 1] == str(base)
    assert float(command[command.index("--epoch-fraction") + 1]) == QUICK_EPOCH_FRACTION
    assert 0 < QUICK_EPOCH_FRACTION < 1
    # the same content, config and domain as a full training
    assert [c for c in command if c not in (name, "--finetune", str(base))][: len(full) - 1] == [
        c for c in full if c != f"pit-{CONTENT}"
    ]


def test_rasas_refusal_is_found_only_after_the_given_offset(tmp_path):
    log = tmp_path / "log.txt"
    log.write_bytes(b"InvalidConfigException: Cannot finetune because ...\n")
    start = log.stat().st_size
    assert finetune_refused(log, 0) and not finetune_refused(log, start)
    with open(log, "ab") as out:
        out.write(b"\x1b[91mInvalidConfigException: Cannot finetune because NLU data\x1b[0m\n")
    assert finetune_refused(log, start)


def _python(code: str) -> List[str]:
    return [sys.executable, "-c", code]


def _writes(path: Path, said: str = "trained") -> List[str]:
    """A stand-in for `rasa train`: prints what Rasa would and writes the model file."""
    return _python(
        f"import pathlib; print({said!r}); pathlib.Path({str(path)!r}).write_bytes(b'm')"
    )


class Rasa:
    """Stands in for the two `rasa train` commands; records which ran."""

    def __init__(self, models_dir: Path, quick: List[str], full: List[str]) -> None:
        self.ran: List[str] = []
        self.models_dir, self.quick, self.full = models_dir, quick, full

    def quick_command(self, root, out, fingerprint, base) -> List[str]:
        self.ran.append(f"quick from {base.name}")
        return self.quick

    def full_command(self, root, out, fingerprint) -> List[str]:
        self.ran.append("full")
        return self.full


def _trainer(factory, content, models_dir, live) -> Trainer:
    return Trainer(factory, content, models_dir, models_dir / "runs", lambda: live)


def _train(trainer: Trainer, factory, content, tmp_path, live, full=False):
    with session_scope(factory) as work:
        run = TrainingRun(started_by="pub", problems=[], report={})
        work.add(run)
        work.flush()
        run_id = int(run.id)
    log = tmp_path / "log.txt"
    return trainer._train(run_id, content, CONTENT, live, log, full), log.read_text()


def _stand_in(monkeypatch, rasa: Rasa) -> None:
    monkeypatch.setattr(job, "quick_train_command", rasa.quick_command)
    monkeypatch.setattr(job, "train_command", rasa.full_command)


def test_a_run_trains_quick_from_the_live_full_model(
    factory, content, models_dir, tmp_path, monkeypatch
):
    base = models_dir / BASE
    quick = models_dir / quick_model_name(CONTENT, base)
    rasa = Rasa(models_dir, quick=_writes(quick), full=_python("raise SystemExit(3)"))
    _stand_in(monkeypatch, rasa)
    (model, how), log = _train(
        _trainer(factory, content, models_dir, base), factory, content, tmp_path, base
    )
    assert model == quick and how == {"kind": "quick", "from": BASE}
    assert rasa.ran == [f"quick from {BASE}"]
    assert f"Quick training, starting from {BASE}" in log


def test_when_rasa_refuses_to_fine_tune_the_run_trains_in_full(
    factory, content, models_dir, tmp_path, monkeypatch
):
    base = models_dir / BASE
    refuses = _python(
        "print('InvalidConfigException: Cannot finetune because NLU training data contains"
        " new labels'); raise SystemExit(1)"
    )
    rasa = Rasa(models_dir, quick=refuses, full=_writes(models_dir / full_model_name(CONTENT)))
    _stand_in(monkeypatch, rasa)
    (model, how), log = _train(
        _trainer(factory, content, models_dir, base), factory, content, tmp_path, base
    )
    assert model == models_dir / full_model_name(CONTENT) and how == {"kind": "full"}
    assert rasa.ran == [f"quick from {BASE}", "full"]
    assert "training in full" in log


def test_a_quick_training_that_fails_otherwise_is_a_failure_not_a_second_training(
    factory, content, models_dir, tmp_path, monkeypatch
):
    base = models_dir / BASE
    rasa = Rasa(models_dir, quick=_python("raise SystemExit(137)"), full=_python("0"))
    _stand_in(monkeypatch, rasa)
    (model, how), _ = _train(
        _trainer(factory, content, models_dir, base), factory, content, tmp_path, base
    )
    assert model is None and how == {"kind": "quick", "from": BASE, "exit": 137}
    assert rasa.ran == [f"quick from {BASE}"]


@pytest.mark.parametrize("full, live", [(True, BASE), (False, None)])
def test_asked_for_or_with_nothing_to_start_from_the_run_trains_in_full(
    factory, content, models_dir, tmp_path, monkeypatch, full, live
):
    target = models_dir / full_model_name(CONTENT)
    rasa = Rasa(models_dir, quick=_python("raise SystemExit(5)"), full=_writes(target))
    _stand_in(monkeypatch, rasa)
    live_path = models_dir / live if live else None
    trainer = _trainer(factory, content, models_dir, live_path)
    (model, how), _ = _train(trainer, factory, content, tmp_path, live_path, full=full)
    assert model == target and how == {"kind": "full"} and rasa.ran == ["full"]


def test_content_trained_before_is_not_trained_again(
    factory, content, models_dir, tmp_path, monkeypatch
):
    base = models_dir / BASE
    quick = models_dir / quick_model_name(CONTENT, base)
    quick.write_bytes(b"a quick model")
    rasa = Rasa(
        models_dir, quick=_python("raise SystemExit(5)"), full=_python("raise SystemExit(5)")
    )
    _stand_in(monkeypatch, rasa)
    (model, how), log = _train(
        _trainer(factory, content, models_dir, base), factory, content, tmp_path, base
    )
    assert model == quick and how == {"kind": "quick", "reused": True} and rasa.ran == []
    assert "A model for this content exists" in log
    # a full model for the content is preferred to a quick one
    (models_dir / full_model_name(CONTENT)).write_bytes(b"a full model")
    (model, how), _ = _train(
        _trainer(factory, content, models_dir, base), factory, content, tmp_path, base
    )
    assert model == models_dir / full_model_name(CONTENT) and how["kind"] == "full"


class RecordingTrainer(Trainer):
    """Our trainer, recording how it was started instead of starting a thread."""

    def __init__(self) -> None:
        self.started: List[tuple] = []

    def running(self):
        return None

    def close_orphans(self) -> None:
        pass

    def start(self, actor: str, full: bool = False) -> int:
        self.started.append((actor, full))
        return 7


def test_the_page_offers_a_full_training_and_says_how_each_run_was_trained(app, factory):
    from tests.unit.studio.test_answer_pages import _client, _token

    recording = RecordingTrainer()
    app.extensions["pit_trainer"] = recording
    publisher = _client(app, "pub")
    page = publisher.get("/staff/models").text
    assert 'name="full"' in page and "Train in full, from nothing" in page
    token = _token(page)
    publisher.post("/staff/models/train", data={"csrf_token": token})
    publisher.post("/staff/models/train", data={"csrf_token": token, "full": "1"})
    assert recording.started == [("pub", False), ("pub", True)]
    assert "started (in full)" in publisher.get("/staff/models").text

    shown = {
        "quick": ({"kind": "quick", "from": BASE}, f"Quick training, starting from <code>{BASE}"),
        "full": ({"kind": "full"}, "Trained in full."),
        "reused": ({"kind": "quick", "reused": True}, "This content was trained before"),
    }
    for report, says in shown.values():
        with session_scope(factory) as work:
            work.add(
                TrainingRun(
                    started_by="pub", state="passed", problems=[], report={"training": report}
                )
            )
        assert says in publisher.get("/staff/models").text
