"""A publisher's "Train": snapshot the content, check it, train, and run the gates.

Runs in a background thread of the web process; the heavy work (Rasa, TensorFlow) runs
in child processes whose output goes to the run's log file, which the studio shows as it
grows. The content is copied first, so edits made while training do not mix into this
model, and the model is named after the snapshot's fingerprint (as `make train` names
its models): content that was trained before is not trained again.

One run at a time. A run the web process did not finish (it was stopped) is marked as
such the next time anyone looks.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.bookings.db import session_scope
from bot.bookings.models import utcnow
from bot.environment import rasa_command, rasa_env
from bot.model_store import (
    find_model_file,
    full_base,
    full_model_name,
    quick_model_name,
    quick_train_command,
    train_command,
    training_fingerprint,
)
from bot.settings import PROJECT_ROOT
from bot.studio import audit
from bot.studio.training.models import ModelPublication, TrainingRun

LOG_FILE = "log.txt"
CONTENT_DIR = "content"
POLL_SECONDS = 1.0


@dataclass(frozen=True)
class Stage:
    key: str
    title: str
    share: float  # of the whole run's time, for the progress bar


STAGES = (
    Stage("validate", "Checking the training data", 0.03),
    Stage("train", "Training the model", 0.72),
    Stage("nlu", "Held-out questions, compared with the live model", 0.08),
    Stage("safety", "Emergency messages", 0.12),
    Stage("stories", "Test conversations", 0.05),
)
STAGE_TITLES = {stage.key: stage.title for stage in STAGES}
# Rasa's two trained classifiers (intent and FAQ answer) print tqdm bars "Epochs: 45%|...".
EPOCH_BAR = re.compile(rb"Epochs:\s+(\d{1,3})%")
TRAINED_CLASSIFIERS = 2


ANSI = re.compile(r"\x1b\[[0-9;]*m")
# Rasa's validator prints these for data that passes; they say nothing about this change.
VALIDATE_NOISE = ("is not used in any story or rule", "duplicated intents")
MAX_SHOWN_PROBLEMS = 6


def plain(text: str) -> str:
    """Log text without terminal colours."""
    return ANSI.sub("", text)


def validation_problems(log_text: str) -> List[str]:
    """What ``rasa data validate`` complained about, in its words, for the page."""
    found: List[str] = []
    for line in plain(log_text).splitlines():
        message = line.split("UserWarning: ", 1)[1] if "UserWarning: " in line else ""
        if not message and (" ERROR " in line or line.startswith("Found ")):
            message = line.split(" - ", 1)[-1]
        message = message.strip()
        if message and not any(n in message for n in VALIDATE_NOISE) and message not in found:
            found.append(message)
    return found[:MAX_SHOWN_PROBLEMS]


class Busy(Exception):
    """A run is already going."""


def snapshot(content_root: Path, target: Path) -> Path:
    """Copy what training reads (config, domain, data/) so later edits do not mix in."""
    target.mkdir(parents=True, exist_ok=True)
    config = content_root / "config.yml"
    shutil.copy(config if config.is_file() else PROJECT_ROOT / "config.yml", target / "config.yml")
    shutil.copy(content_root / "domain.yml", target / "domain.yml")
    shutil.copytree(content_root / "data", target / "data", dirs_exist_ok=True)
    return target


# What Rasa says when a quick training cannot start from the base model (a topic added or
# removed, the config or the conversation part of the domain changed).
FINETUNE_REFUSED = b"Cannot finetune"


def find_trained(fingerprint: str) -> Optional[Path]:
    return find_model_file(full_model_name(fingerprint))


def log_size(log: Path) -> int:
    """Where the next step's output starts in the run's log."""
    return log.stat().st_size if log.exists() else 0


def log_since(log: Path, start: int) -> bytes:
    """What the run's log holds from byte ``start`` on: one step's output."""
    with open(log, "rb") as handle:
        handle.seek(start)
        return handle.read()


def finetune_refused(log: Path, start: int) -> bool:
    """Whether the log, from byte ``start`` on, holds Rasa's refusal to fine-tune."""
    return FINETUNE_REFUSED in log_since(log, start)


def training_progress(log: bytes) -> float:
    """0..1 through Rasa's training, from its epoch bars (each classifier is half)."""
    bars = [int(m.group(1)) for m in EPOCH_BAR.finditer(log)]
    done = sum(
        1 for i, v in enumerate(bars) if v == 100 and (i + 1 == len(bars) or bars[i + 1] < 100)
    )
    current = bars[-1] if bars and bars[-1] < 100 else 0
    return min(1.0, (min(done, TRAINED_CLASSIFIERS) + current / 100) / TRAINED_CLASSIFIERS)


def overall_progress(stage: str, within: float) -> float:
    before = 0.0
    for item in STAGES:
        if item.key == stage:
            return round(min(1.0, before + item.share * max(0.0, min(1.0, within))), 3)
        before += item.share
    return 1.0


def discard_refused_model(
    work: Session, run: TrainingRun, models_dir: Path, live_name: Optional[str]
) -> bool:
    """Delete the model of a run that failed: it can never be published, and each one
    takes about 100 MB. Kept when the same file is, or once was, live (roll back needs
    it) or belongs to a run that passed. Only the studio's own folder is touched."""
    name = run.model_file
    path = models_dir / name if name else None
    if path is None or not path.is_file() or name == live_name:
        return False
    went_live = select(ModelPublication.id).where(ModelPublication.model_file == name)
    passed = select(TrainingRun.id).where(
        TrainingRun.model_file == name,
        TrainingRun.state.in_(("passed", "published")),
        TrainingRun.id != run.id,
    )
    if work.execute(went_live.limit(1)).first() or work.execute(passed.limit(1)).first():
        return False
    try:
        path.unlink()
    except OSError:  # a clean-up that fails must not turn the run's verdict into an error
        return False
    return True


class Trainer:
    """Starts runs and records their progress, stage by stage, in the studio database."""

    def __init__(
        self,
        factory: sessionmaker,
        content_root: Path,
        models_dir: Path,
        runs_dir: Path,
        live_model: Callable[[], Optional[Path]],
    ) -> None:
        self.factory = factory
        self.content_root = content_root
        self.models_dir = models_dir
        self.runs_dir = runs_dir
        self.live_model = live_model
        self._lock = threading.Lock()
        self._thread: Optional[threading.Thread] = None
        self._running_id: Optional[int] = None

    # -- starting ---------------------------------------------------------------------

    def running(self) -> Optional[int]:
        with self._lock:
            alive = self._thread is not None and self._thread.is_alive()
            return self._running_id if alive else None

    def start(self, actor: str, full: bool = False) -> int:
        """Start a run; ``full`` trains from nothing even when a quick training could do."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                raise Busy(f"Training run {self._running_id} is still going.")
            with session_scope(self.factory) as work:
                self._close_orphans(work)
                run = TrainingRun(started_by=actor, stage="validate", problems=[], report={})
                work.add(run)
                work.flush()
                run_id = int(run.id)
                workdir = self.runs_dir / f"run-{run_id}"
                run.workdir = str(workdir)
                audit.record(
                    work, actor, "training.start", f"run {run_id}" + (" (full)" if full else "")
                )
            self._running_id = run_id
            self._thread = threading.Thread(
                target=self._run,
                args=(run_id, workdir, full),
                name=f"training-{run_id}",
                daemon=True,
            )
            self._thread.start()
            return run_id

    def _close_orphans(self, work: Session) -> None:
        """Runs left "running" by a web process that stopped: they will never finish."""
        for run in work.execute(
            select(TrainingRun).where(TrainingRun.state == "running")
        ).scalars():
            run.state = "error"
            run.problems = ["The studio stopped while this run was going. Start it again."]
            run.finished_at = utcnow()

    def close_orphans(self) -> None:
        if self.running() is None:
            with session_scope(self.factory) as work:
                self._close_orphans(work)

    # -- the run ------------------------------------------------------------------------

    def _update(self, run_id: int, **values: object) -> None:
        with session_scope(self.factory) as work:
            run = work.get(TrainingRun, run_id)
            for key, value in values.items():
                setattr(run, key, value)

    def _finish(self, run_id: int, state: str, problems: Sequence[str], report: dict) -> None:
        values: dict = {"state": state, "problems": list(problems), "report": report}
        if state == "passed":
            values["progress"] = 1.0
        self._update(run_id, finished_at=utcnow(), **values)

    def _step(self, run_id: int, stage: str, command: List[str], log: Path) -> int:
        """Run ``command`` with its output in ``log``; keep the progress bar moving."""
        self._update(run_id, stage=stage, progress=overall_progress(stage, 0.0))
        with open(log, "ab") as out:
            out.write(f"\n=== {STAGE_TITLES[stage]}\n".encode())
            out.flush()
            # Libraries' deprecation notices say nothing to staff reading the log.
            env = {**rasa_env(), "PYTHONWARNINGS": "ignore::DeprecationWarning"}
            process = subprocess.Popen(
                command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )
            offset = log.stat().st_size
            while process.poll() is None:
                time.sleep(POLL_SECONDS)
                if stage == "train":
                    with open(log, "rb") as read:
                        read.seek(offset)
                        within = training_progress(read.read())
                    self._update(run_id, progress=overall_progress(stage, within))
            return int(process.returncode)

    def _run(self, run_id: int, workdir: Path, full: bool = False) -> None:
        report: dict = {}
        try:
            workdir.mkdir(parents=True, exist_ok=True)
            log = workdir / LOG_FILE
            content = snapshot(self.content_root, workdir / CONTENT_DIR)
            fingerprint = training_fingerprint(content)
            live = self.live_model()
            self._update(run_id, fingerprint=fingerprint, live_model_file=live.name if live else "")
            problems = self._stages(run_id, workdir, content, fingerprint, live, log, report, full)
            self._finish(run_id, "failed" if problems else "passed", problems, report)
            if problems:
                with session_scope(self.factory) as work:
                    run = work.get(TrainingRun, run_id)
                    discard_refused_model(work, run, self.models_dir, live.name if live else None)
        except Exception as error:  # noqa: BLE001 - the studio shows it; nothing goes live
            self._finish(
                run_id, "error", [f"The run stopped: {type(error).__name__}: {error}"], report
            )

    def _note(self, log: Path, text: str) -> None:
        with open(log, "ab") as handle:
            handle.write(f"\n=== {text}\n".encode())

    def _train(
        self,
        run_id: int,
        content: Path,
        fingerprint: str,
        live: Optional[Path],
        log: Path,
        full: bool,
    ) -> Tuple[Optional[Path], dict]:
        """The model for ``content``: one trained before, else a quick training on top of
        the live model's full model, else (or when asked, or when Rasa refuses to fine-tune)
        a full training. Returns the model (None when training failed) and how it was made,
        for the report."""
        model = find_trained(fingerprint)
        base = None if full else full_base(live)
        if model is None and base is not None:
            model = find_model_file(quick_model_name(fingerprint, base))
        if model is not None:
            self._note(log, f"A model for this content exists: {model.name}")
            kind = "quick" if model.name != full_model_name(fingerprint) else "full"
            return model, {"kind": kind, "reused": True}
        self.models_dir.mkdir(parents=True, exist_ok=True)
        if base is not None:
            self._note(log, f"Quick training, starting from {base.name}")
            start = log_size(log)
            command = quick_train_command(content, self.models_dir, fingerprint, base)
            code = self._step(run_id, "train", command, log)
            model = find_model_file(quick_model_name(fingerprint, base))
            if code == 0 and model is not None:
                return model, {"kind": "quick", "from": base.name}
            if not finetune_refused(log, start):
                return None, {"kind": "quick", "from": base.name, "exit": code}
            self._note(log, "Rasa cannot start from that model (see above): training in full")
        code = self._step(
            run_id, "train", train_command(content, self.models_dir, fingerprint), log
        )
        model = find_trained(fingerprint)
        if code != 0 or model is None:
            return None, {"kind": "full", "exit": code}
        return model, {"kind": "full"}

    def _stages(
        self,
        run_id: int,
        workdir: Path,
        content: Path,
        fingerprint: str,
        live: Optional[Path],
        log: Path,
        report: dict,
        full: bool = False,
    ) -> List[str]:
        # fmt: off
        validate = rasa_command(
            "data", "validate", "--fail-on-warnings",
            "--config", str(content / "config.yml"),
            "--domain", str(content / "domain.yml"),
            "--data", str(content / "data"),
        )
        # fmt: on
        log_start = log_size(log)
        if self._step(run_id, "validate", validate, log) != 0:
            said = validation_problems(log_since(log, log_start).decode("utf-8", "replace"))
            return ["The training data has problems (rasa data validate):", *said]

        model, training = self._train(run_id, content, fingerprint, live, log, full)
        report["training"] = training
        if model is None:
            return [f"Training failed (exit {training.get('exit')}): see the log."]
        self._update(run_id, model_file=model.name, report=dict(report))

        problems: List[str] = []
        for gate in ("nlu", "safety"):
            out = workdir / f"{gate}.json"
            command = [
                sys.executable, "-m", "bot", "staff", "gates", gate,
                "--candidate", str(model),
                "--out", str(out),
                "--cache-dir", str(self.models_dir / "reports"),
            ]  # fmt: skip
            if live is not None:
                command += ["--live", str(live)]
            code = self._step(run_id, gate, command, log)
            if not out.is_file():
                problems.append(
                    f"The {STAGE_TITLES[gate].lower()} check stopped (exit {code}): see the log."
                )
                continue
            gate_report = json.loads(out.read_text(encoding="utf-8"))
            report[gate] = gate_report
            problems += gate_report.get("problems", [])
            self._update(run_id, report=dict(report))

        # fmt: off
        stories = rasa_command(
            "test", "core", "--model", str(model),
            "--stories", str(PROJECT_ROOT / "tests" / "stories"),
            "--fail-on-prediction-errors", "--out", str(workdir / "core"), "--no-plot",
        )
        # fmt: on
        stories_passed = self._step(run_id, "stories", stories, log) == 0
        report["stories"] = {"passed": stories_passed}
        if not stories_passed:
            problems.append("A test conversation went differently (rasa test core): see the log.")
        return problems
