"""Train a Rasa model only when none matches the current data and config.

The model file is named after a fingerprint of everything training reads (config,
domain, data/, the spaCy pipeline, the Rasa version and the numeric settings of
bot/environment.py), so "is there a model for
this content?" is a file lookup and `make run` starts in seconds when nothing changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Iterable, List, Optional

from bot.environment import numerics_signature, rasa_command, rasa_env
from bot.nlp.pipeline_state import FINGERPRINT_FILE, PIPELINE_DIR, is_current
from bot.settings import PROJECT_ROOT

MODELS_DIR = PROJECT_ROOT / "models"
# Models the studio trains, and every model it published (kept for roll back; `make train`'s
# week-old clean-up of models/ never touches them). $PIT_STUDIO_MODELS_DIR moves it.
STUDIO_MODELS_ENV = "PIT_STUDIO_MODELS_DIR"
STUDIO_MODELS_DIR = PROJECT_ROOT / "var" / "models"
# The model staff last published or rolled back to, and the content it was chosen for.
LIVE_POINTER = "live.json"
MODEL_PREFIX = "pit-"
TRAINING_INPUTS = ("config.yml", "domain.yml", "data")
# A model trained in full is named after its content: pit-<content>.tar.gz. A quick one
# (fine-tuned from a full model, see quick_train_command) also names the model it started
# from: pit-<content>-from-<base content>.tar.gz. Both are fixed by their inputs (fixed seeds).
FULL_MODEL_NAME = re.compile(r"^pit-([0-9a-f]{12})\.tar\.gz$")
QUICK_MODEL_NAME = re.compile(r"^pit-([0-9a-f]{12})-from-([0-9a-f]{12})\.tar\.gz$")
# A quick training: the answer selector starts from the full model's weights and runs this
# share of its configured epochs on all of the content; the intent classifier trains from
# nothing with its full epochs (bot/nlp/sentence_level.py: fine-tuned, it lost emergencies).
# 0.51x the time of a full training on 2026-12-06, every gate passed
# (bench/results/quick-training-2026-12-06.md, docs/handover/README.md session 40).
QUICK_EPOCH_FRACTION = 0.25


def _files(paths: Iterable[Path]) -> List[Path]:
    found: List[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file())
        elif path.exists():
            found.append(path)
    return found


def training_fingerprint(root: Path = PROJECT_ROOT) -> str:
    """Hash of the training inputs; equal fingerprints give equal models (fixed seeds)."""
    import rasa

    digest = hashlib.sha256(f"rasa {rasa.__version__}\n{numerics_signature()}\n".encode())
    for path in _files(root / name for name in TRAINING_INPUTS):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    spacy_marker = PIPELINE_DIR / FINGERPRINT_FILE
    digest.update(spacy_marker.read_bytes() if spacy_marker.exists() else b"no spacy")
    return digest.hexdigest()[:12]


def is_model_name(name: str) -> bool:
    """Whether ``name`` is one of our model file names (full or quick), nothing else."""
    return bool(FULL_MODEL_NAME.match(name) or QUICK_MODEL_NAME.match(name))


def content_of(model_file: str) -> str:
    """The content fingerprint a model file was trained on (full or quick)."""
    found = FULL_MODEL_NAME.match(model_file) or QUICK_MODEL_NAME.match(model_file)
    return found.group(1) if found else ""


def full_model_name(fingerprint: str) -> str:
    return f"{MODEL_PREFIX}{fingerprint}.tar.gz"


def quick_model_name(fingerprint: str, base: Path) -> str:
    return f"{MODEL_PREFIX}{fingerprint}-from-{content_of(base.name)}.tar.gz"


def full_base(model: Optional[Path]) -> Optional[Path]:
    """The model trained in full that a quick training may start from: ``model`` itself
    when it was trained in full, the model it was fine-tuned from when it is a quick one.
    Never a quick model, so quick trainings never pile on one another."""
    if model is None:
        return None
    if FULL_MODEL_NAME.match(model.name):
        return model
    found = QUICK_MODEL_NAME.match(model.name)
    return find_model_file(full_model_name(found.group(2))) if found else None


def studio_models_dir() -> Path:
    return Path(os.environ.get(STUDIO_MODELS_ENV) or STUDIO_MODELS_DIR)


def model_folders() -> List[Path]:
    """Where a running server may load models from: `make train`'s and the studio's."""
    return [MODELS_DIR, studio_models_dir()]


def find_model_file(name: str) -> Optional[Path]:
    """The model file called ``name`` in `make train`'s or the studio's folder, if any."""
    for folder in model_folders():
        if (folder / name).is_file():
            return folder / name
    return None


def train_command(root: Path, out_dir: Path, fingerprint: str) -> List[str]:
    """``rasa train`` on ``root``'s config, domain and data, named after ``fingerprint``
    (for the project itself with the relative paths `make train` has always used)."""
    names = ("config.yml", "domain.yml", "data")
    config, domain, data = names if root == PROJECT_ROOT else (str(root / n) for n in names)
    # fmt: off
    return rasa_command(
        "train",
        "--config", config,
        "--domain", domain,
        "--data", data,
        "--out", str(out_dir),
        "--fixed-model-name", f"{MODEL_PREFIX}{fingerprint}",
    )
    # fmt: on


def quick_train_command(
    root: Path,
    out_dir: Path,
    fingerprint: str,
    base: Path,
    fraction: float = QUICK_EPOCH_FRACTION,
) -> List[str]:
    """``rasa train --finetune``: ``root``'s content on top of ``base``'s weights, with
    ``fraction`` of the epochs (bench/quick_training.py compares others). Rasa refuses
    (exit 1, "Cannot finetune") when the config changed beyond epochs, the conversation part
    of the domain changed, or a topic or intent was added or removed; the studio then trains
    in full."""
    name = quick_model_name(fingerprint, base)[: -len(".tar.gz")]
    command = train_command(root, out_dir, fingerprint)
    command[command.index(f"{MODEL_PREFIX}{fingerprint}")] = name
    return command + ["--finetune", str(base), "--epoch-fraction", str(fraction)]


def studio_live_model(folder: Optional[Path] = None) -> Optional[Path]:
    """The model staff made live in the studio, while the content is what it was then.

    After a roll back the live model is older than the content, so `make run` must not
    quietly replace it with one trained on the content; once the content changes again
    (a git pull, a publish), the model for the content is the one to run.
    """
    folder = folder or studio_models_dir()
    pointer = folder / LIVE_POINTER
    try:
        chosen = json.loads(pointer.read_text(encoding="utf-8"))
        model = folder / str(chosen["model"])
        content = str(chosen["content_fingerprint"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not model.is_file():
        return None
    ensure_pipeline()
    return model if content == training_fingerprint() else None


def ensure_pipeline() -> None:
    """Build what training reads besides the data, if missing or stale: the spaCy pipeline
    (spaCy is imported only then) and the sentence encoder (the neighbour vote encodes the
    training examples; `make encoder` fetches and verifies it), then the red-flag head that
    reads the encoder's vectors, if it was never built (`make encoder` retrains a stale one)."""
    if not is_current():
        from bot.nlp.pipeline import build_and_save

        build_and_save()
    from bot.encoder.build import ensure_built

    ensure_built()
    from bot.safety import head

    if not head.HEAD_PATH.exists():
        from bot.encoder.model import load_encoder

        head.build(load_encoder())


def model_path_for(fingerprint: str, models_dir: Path = MODELS_DIR) -> Path:
    return models_dir / f"{MODEL_PREFIX}{fingerprint}.tar.gz"


def current_model(models_dir: Path = MODELS_DIR) -> Optional[Path]:
    """The model trained on exactly the current content, if there is one."""
    ensure_pipeline()
    path = model_path_for(training_fingerprint(), models_dir)
    return path if path.exists() else None


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def ensure_model(models_dir: Path = MODELS_DIR, force: bool = False) -> Path:
    """Return the model for the current content, training it first if needed."""
    ensure_pipeline()
    fingerprint = training_fingerprint()
    target = model_path_for(fingerprint, models_dir)
    if target.exists() and not force:
        print(f"Model is up to date: {_shown(target)}", flush=True)
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    print(f"Training a model for the current data (fingerprint {fingerprint}) ...", flush=True)
    command = train_command(PROJECT_ROOT, models_dir, fingerprint)
    result = subprocess.run(command, cwd=PROJECT_ROOT, env=rasa_env())
    if result.returncode != 0 or not target.exists():
        raise SystemExit(f"Training failed (exit {result.returncode}); see the log above.")
    for old in models_dir.glob(f"{MODEL_PREFIX}*.tar.gz"):
        if old != target and old.stat().st_mtime < target.stat().st_mtime - 7 * 86400:
            old.unlink()  # keep a week of models for comparison, drop older ones
    print(f"Model ready: {_shown(target)}", flush=True)
    return target
