"""Compile the red-flag catalog before the servers start: ``python -m bot check-catalog``.

Rasa reads ``data/catalog/red_flags.yml`` when it loads the model. A phrase that does not
compile there makes `rasa run` log "Could not load model" and then answer every patient
with nothing, while its web server still looks healthy. So `make run` and every stack the
tests start compile the catalog first (beside the servers, in its own process) and stop
with the phrase's error. A stamp of the catalog and the code that reads it skips the
compile when nothing has changed since it last passed.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path
from typing import Iterable, Optional

from bot.settings import PROJECT_ROOT

SAFETY_CODE_DIR = Path(__file__).resolve().parent
STAMP_DIR = PROJECT_ROOT / "build" / "catalog-check"


def _inputs(catalog: Path) -> Iterable[Path]:
    from bot.nlp.pipeline_state import PIPELINE_DIR

    yield catalog
    yield from sorted(SAFETY_CODE_DIR.glob("*.py"))
    # the tokenizer and lemmas the phrases are compiled with (rebuilt when they change)
    yield PIPELINE_DIR / "pit_fingerprint.txt"


def fingerprint(catalog: Optional[Path] = None) -> str:
    """A hash of the catalog file and of the code that compiles it."""
    from bot.safety.catalog import RED_FLAGS_PATH

    digest = hashlib.sha256()
    for path in _inputs(Path(catalog or RED_FLAGS_PATH)):
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.exists() else b"(missing)")
    return digest.hexdigest()


def _stamp(catalog: Optional[Path] = None) -> Path:
    return STAMP_DIR / fingerprint(catalog)


def known_good(catalog: Optional[Path] = None) -> bool:
    """True when this very catalog (and code) compiled before: no need to compile again."""
    return _stamp(catalog).exists()


def check_catalog(catalog: Optional[Path] = None) -> str:
    """Compile every phrase of the catalog with our spaCy pipeline, as Rasa will; a summary
    line when it compiles, ``RedFlagCatalogError`` naming the category and phrase when not."""
    from bot.safety.catalog import load_red_flag_catalog
    from bot.safety.red_flags import RedFlagDetector, default_nlp

    stamp = _stamp(catalog)
    loaded = load_red_flag_catalog(catalog)
    RedFlagDetector(default_nlp(), loaded)
    patterns = sum(len(c.patterns) for c in loaded.categories)
    STAMP_DIR.mkdir(parents=True, exist_ok=True)
    for old in STAMP_DIR.iterdir():
        old.unlink(missing_ok=True)
    stamp.touch()
    return f"Red-flag catalog compiles: {len(loaded.categories)} categories, {patterns} phrases."


def _check_catalog_command(args: argparse.Namespace) -> int:
    from bot.safety.catalog import RedFlagCatalogError
    from bot.safety.phrases import PhraseError

    path = Path(args.catalog) if args.catalog else None
    try:
        print(check_catalog(path))
    except (RedFlagCatalogError, PhraseError) as error:
        print(f"The red-flag catalog does not compile, so Rasa could not load it: {error}")
        return 1
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "check-catalog",
        help="compile the red-flag catalog (data/catalog/red_flags.yml) as Rasa will load it",
    )
    p.add_argument("--catalog", help="another catalog file (default: data/catalog/red_flags.yml)")
    p.set_defaults(handler=_check_catalog_command)
