"""The anchor of `make bench`: Rasa's own starter bot (`rasa init`), untouched.

It is trained once into build/anchor (again when the Rasa version changes) with Rasa's own
`rasa init --no-prompt`, and served with `rasa run` on loopback, REST channel only, exactly as
`rasa init` leaves it. Our assistant is measured beside it with the same load tool, the same
messages and the same machine, so the ratio means something on a noisy machine.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable, List, Sequence

from bot.environment import rasa_env
from bot.stack import Process

ROOT = Path(__file__).resolve().parent.parent
ANCHOR_DIR = ROOT / "build" / "anchor"


def plain_rasa(*args: str) -> List[str]:
    """``python -m rasa ARGS``: the starter bot runs untouched, without the import trims our
    servers get from ``bot.rasa_main`` (bot/unused_imports.py)."""
    return [sys.executable, "-m", "rasa", *args]


def rasa_version() -> str:
    import rasa

    return str(rasa.__version__)


def plain_model(
    directory: Path,
    fingerprint: str,
    command: Sequence[str],
    what: str,
    prepare: Callable[[Path], None] = lambda directory: None,
) -> Path:
    """The model of a plain Rasa project in ``directory``: the one there when it was made
    for ``fingerprint``, else a new one from an empty folder, ``prepare`` and ``rasa COMMAND``
    run there (so a Rasa upgrade or a changed project trains again)."""
    stamp = directory / ".fingerprint"
    models = sorted((directory / "models").glob("*.tar.gz"))
    if models and stamp.exists() and stamp.read_text().strip() == fingerprint:
        return models[-1]
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    prepare(directory)
    print(f"Training {what} in {directory} ...", flush=True)
    subprocess.run(
        plain_rasa(*command),
        cwd=directory,
        env=rasa_env(),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    models = sorted((directory / "models").glob("*.tar.gz"))
    if not models:
        raise RuntimeError(f"`rasa {command[0]}` left no model in {directory / 'models'}")
    stamp.write_text(fingerprint + "\n")
    return models[-1]


def prepare_anchor(directory: Path = ANCHOR_DIR) -> Path:
    """The starter bot's model, trained by `rasa init` unless one for this Rasa exists."""
    command = ("init", "--no-prompt", "--init-dir", str(directory))
    return plain_model(directory, rasa_version(), command, "the `rasa init` starter bot")


def anchor_server(
    model: Path,
    port: int,
    log: Path,
    directory: Path = ANCHOR_DIR,
    name: str = "anchor Rasa server",
) -> Process:
    """`rasa run` for the starter bot (not started yet), as `rasa init` configures it
    (or for another plain Rasa project in ``directory``)."""
    command = plain_rasa(
        "run", "--model", str(model), "--port", str(port), "--interface", "127.0.0.1",
        "--credentials", str(directory / "credentials.yml"),
        "--endpoints", str(directory / "endpoints.yml"),
    )  # fmt: skip
    return Process(name, command, f"http://127.0.0.1:{port}/webhooks/rest/", log)
