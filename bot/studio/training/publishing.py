"""Make a model live (publish a passed run, or roll back to an earlier model), with a record.

Every model that goes live is kept in the studio's model folder with its fingerprint, so
any of them can be made live again the same way. The first time, the model the server
started with is recorded (and kept) too, so staff can always roll back to it. The live
choice is also written to ``live.json`` beside the models: `make run` starts with it
again after a restart, as long as the content has not changed since.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Callable, List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.model_store import LIVE_POINTER, MODEL_PREFIX, content_of, find_model_file
from bot.studio import audit
from bot.studio.training.models import ModelPublication, TrainingRun

Swap = Callable[[str], float]  # model file name -> seconds the swap took


class PublishError(Exception):
    """Why a model cannot go live, in words for staff."""


def fingerprint_of(model_file: str) -> str:
    """The content a model was trained on (a quick model's name also names its base)."""
    return content_of(model_file) or model_file[len(MODEL_PREFIX) : -len(".tar.gz")][:12]


def history(work: Session, limit: int = 50) -> List[ModelPublication]:
    query = select(ModelPublication).order_by(ModelPublication.id.desc()).limit(limit)
    return list(work.execute(query).scalars())


def live_publication(work: Session) -> Optional[ModelPublication]:
    found = history(work, 1)
    return found[0] if found else None


def _locate(model_file: str) -> Path:
    found = find_model_file(model_file)
    if found is not None:
        return found
    raise PublishError(f"The model file {model_file} is no longer on this server.")


def _keep(model_file: str, models_dir: Path) -> None:
    """Copy a model into the studio's folder, where `make train` never deletes it."""
    source = _locate(model_file)
    if source.parent != models_dir:
        models_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, models_dir / model_file)


def _record_started(work: Session, live_file: Optional[str], models_dir: Path) -> None:
    if live_file and live_publication(work) is None:
        _keep(live_file, models_dir)
        work.add(
            ModelPublication(
                model_file=live_file,
                fingerprint=fingerprint_of(live_file),
                kind="started",
                published_by="make run",
            )
        )
        work.flush()


def write_pointer(models_dir: Path, model_file: str, content_fingerprint: str) -> None:
    models_dir.mkdir(parents=True, exist_ok=True)
    pointer = {"model": model_file, "content_fingerprint": content_fingerprint}
    (models_dir / LIVE_POINTER).write_text(json.dumps(pointer), encoding="utf-8")


def publish_run(
    work: Session,
    run_id: int,
    actor: str,
    live_file: Optional[str],
    swap: Swap,
    models_dir: Path,
) -> ModelPublication:
    """Make run ``run_id``'s model live; only a run that passed every gate may go."""
    run = work.get(TrainingRun, run_id)
    if run is None:
        raise PublishError("There is no such training run.")
    if run.state != "passed":
        raise PublishError("Only a model that passed every check can be published.")
    _record_started(work, live_file, models_dir)
    _keep(run.model_file, models_dir)
    publication = _go_live(work, run.model_file, run.fingerprint, "publish", run.id, actor, swap)
    run.state = "published"
    _audit(work, actor, "model.publish", live_file, publication)
    return publication


def _go_live(
    work: Session,
    model_file: str,
    fingerprint: str,
    kind: str,
    run_id: Optional[int],
    actor: str,
    swap: Swap,
) -> ModelPublication:
    """Swap the server to ``model_file`` and record it (nothing is recorded if it fails)."""
    seconds = swap(model_file)
    publication = ModelPublication(
        model_file=model_file,
        fingerprint=fingerprint,
        kind=kind,
        run_id=run_id,
        published_by=actor,
        swap_seconds=seconds,
    )
    work.add(publication)
    work.flush()
    return publication


def _audit(
    work: Session, actor: str, action: str, live_file: Optional[str], now: ModelPublication
) -> None:
    after = {"model": now.model_file, "run": now.run_id}
    audit.record(work, actor, action, now.model_file, before={"model": live_file}, after=after)


def roll_back(
    work: Session,
    publication_id: int,
    actor: str,
    live_file: Optional[str],
    swap: Swap,
    models_dir: Path,
) -> ModelPublication:
    """Make an earlier live model live again, the same way a publish does."""
    earlier = work.get(ModelPublication, publication_id)
    if earlier is None:
        raise PublishError("There is no such earlier model.")
    if earlier.model_file == live_file:
        raise PublishError(f"{earlier.model_file} is already the live model.")
    _record_started(work, live_file, models_dir)
    _locate(earlier.model_file)
    publication = _go_live(
        work, earlier.model_file, earlier.fingerprint, "rollback", earlier.run_id, actor, swap
    )
    _audit(work, actor, "model.rollback", live_file, publication)
    return publication
