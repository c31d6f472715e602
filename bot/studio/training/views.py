"""The studio's "Assistant model" page: train, see the gates, publish, roll back.

Everyone signed in sees the live model, the runs and their reports; publishers start
training, publish a model that passed every gate, and roll back to an earlier one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Dict, Optional, Tuple

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from bot.content.responses import content_root
from bot.model_store import find_model_file, studio_models_dir, training_fingerprint
from bot.studio.app import studio_options
from bot.studio.training import publishing
from bot.studio.training.job import LOG_FILE, STAGE_TITLES, STAGES, Busy, Trainer, plain
from bot.studio.training.models import TrainingRun
from bot.studio.training.swap_client import (
    SwapError,
    first_live_model,
    first_of,
    live_models,
    rasa_servers,
    swap_all,
)
from bot.studio.views import db, requires, studio

LOG_TAIL_BYTES = 20_000
SHOWN_RUNS = 10


def _rasa_url() -> str:
    return str(current_app.config.get("PIT_RASA_URL") or "")


def _live_file() -> Optional[str]:
    return first_live_model(rasa_servers(_rasa_url()))


def _live_path(rasa_url: str) -> Optional[Path]:
    name = first_live_model(rasa_servers(rasa_url))
    return find_model_file(name) if name else None


def trainer(app: Flask) -> Trainer:
    """The web process's one trainer (made on first use)."""
    found = app.extensions.get("pit_trainer")
    if found is None:
        rasa_url = str(app.config.get("PIT_RASA_URL") or "")
        found = Trainer(
            factory=studio_options(app).session_factory(),
            content_root=content_root(),
            models_dir=studio_models_dir(),
            runs_dir=studio_models_dir() / "runs",
            live_model=lambda: _live_path(rasa_url),
        )
        app.extensions["pit_trainer"] = found
    return found


def log_tail(run: TrainingRun) -> str:
    """The end of the run's log, carriage-return progress bars reduced to their last state."""
    path = Path(run.workdir or ".") / LOG_FILE
    try:
        with open(path, "rb") as handle:
            handle.seek(max(0, path.stat().st_size - LOG_TAIL_BYTES))
            raw = handle.read().decode("utf-8", "replace")
    except OSError:
        return ""
    lines = plain(raw).replace("\r\n", "\n").split("\n")[1:]
    return "\n".join(line.rsplit("\r", 1)[-1] for line in lines)


def run_status(run: TrainingRun) -> Dict[str, Any]:
    return {
        "id": run.id,
        "state": run.state,
        "stage": run.stage,
        "stage_title": STAGE_TITLES.get(run.stage, ""),
        "progress": round(float(run.progress or 0.0), 3),
        "problems": list(run.problems or []),
        "log": log_tail(run),
    }


@studio.route("/models")
@requires("editor")
def models_page() -> ResponseReturnValue:
    jobs = trainer(current_app)
    jobs.close_orphans()
    live_file = _live_file()
    with db() as work:
        runs = list(
            work.execute(
                select(TrainingRun).order_by(TrainingRun.id.desc()).limit(SHOWN_RUNS)
            ).scalars()
        )
        published = publishing.history(work)
        for row in runs + published:
            work.expunge(row)
    latest = runs[0] if runs else None
    return render_template(
        "models.html",
        live_file=live_file,
        runs=runs,
        latest=latest,
        latest_status=run_status(latest) if latest else None,
        published=published,
        stages=STAGES,
        stage_titles=STAGE_TITLES,
        running=jobs.running(),
    )


@studio.route("/models/runs/<int:run_id>/status")
@requires("editor")
def run_status_json(run_id: int) -> ResponseReturnValue:
    with db() as work:
        run = work.get(TrainingRun, run_id)
        if run is None:
            abort(404)
        return jsonify(run_status(run))


@studio.route("/models/train", methods=["POST"])
@requires("publisher")
def start_training() -> ResponseReturnValue:
    full = request.form.get("full") == "1"
    try:
        run_id = trainer(current_app).start(g.staff_user.username, full=full)
    except Busy as error:
        flash(f"{error} Wait for it to finish.", "error")
        return redirect(url_for("studio.models_page"))
    flash(
        f"Training run {run_id} started{' (in full)' if full else ''}. It takes several "
        "minutes; this page shows its progress. Patients keep getting the live model "
        "meanwhile.",
        "success",
    )
    return redirect(url_for("studio.models_page"))


def _live_and_swap() -> Tuple[Optional[str], Callable[[str], float]]:
    """The live model, and the swap of every server to another one, asking each server for
    its model once (the swap puts a failed server's neighbours back to what they had)."""
    servers = rasa_servers(_rasa_url())
    before = live_models(servers)

    def swap(model_file: str) -> float:
        return swap_all(servers, model_file, before=before)

    return first_of(before), swap


@studio.route("/models/runs/<int:run_id>/publish", methods=["POST"])
@requires("publisher")
def publish_model(run_id: int) -> ResponseReturnValue:
    live_file, swap = _live_and_swap()
    try:
        with db() as work:
            publication = publishing.publish_run(
                work, run_id, g.staff_user.username, live_file, swap, studio_models_dir()
            )
            model_file, seconds = publication.model_file, publication.swap_seconds
        publishing.write_pointer(
            studio_models_dir(), model_file, training_fingerprint(content_root())
        )
    except (publishing.PublishError, SwapError) as error:
        flash(f"Not published: {error}", "error")
        return redirect(url_for("studio.models_page"))
    flash(
        f"Published: patients now get {model_file} (loaded beside the old model in "
        f"{seconds or 0:.0f} s; nobody waited).",
        "success",
    )
    return redirect(url_for("studio.models_page"))


@studio.route("/models/rollback/<int:publication_id>", methods=["POST"])
@requires("publisher")
def roll_back_model(publication_id: int) -> ResponseReturnValue:
    live_file, swap = _live_and_swap()
    try:
        with db() as work:
            publication = publishing.roll_back(
                work, publication_id, g.staff_user.username, live_file, swap, studio_models_dir()
            )
            model_file = publication.model_file
        publishing.write_pointer(
            studio_models_dir(), model_file, training_fingerprint(content_root())
        )
    except (publishing.PublishError, SwapError) as error:
        flash(f"Not rolled back: {error}", "error")
        return redirect(url_for("studio.models_page"))
    flash(f"Rolled back: patients now get {model_file}.", "success")
    return redirect(url_for("studio.models_page"))
