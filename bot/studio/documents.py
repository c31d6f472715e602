"""The clinic's documents, as the studio's checks need them: names and stated numbers.

Where they are: ``documents_dir`` in ``clinic.yml`` (relative to the project folder), or
``$PIT_DOCUMENTS_DIR``. Read again only when a file there (or clinic.yml) changes.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import FrozenSet, Optional, Tuple

from bot.content.answer_checks import KnownNumbers, load_known_numbers
from bot.settings import PROJECT_ROOT, get_settings, settings_path

DOCUMENTS_DIR_ENV = "PIT_DOCUMENTS_DIR"
DEFAULT_DOCUMENTS_DIR = "docs/sources"


@dataclass(frozen=True)
class ClinicDocuments:
    folder: Path
    names: FrozenSet[str]
    known_numbers: KnownNumbers


def documents_dir() -> Path:
    from_env = os.environ.get(DOCUMENTS_DIR_ENV, "").strip()
    if from_env:
        return Path(from_env)
    configured = str(get_settings().extra.get("documents_dir") or DEFAULT_DOCUMENTS_DIR)
    return (PROJECT_ROOT / configured).resolve()


def _stamp(folder: Path, settings_file: Path) -> Tuple[Tuple[str, float], ...]:
    files = sorted(folder.glob("*.txt")) if folder.is_dir() else []
    return tuple((str(p), p.stat().st_mtime) for p in [*files, settings_file] if p.exists())


_cache: Optional[Tuple[Tuple[Tuple[str, float], ...], ClinicDocuments]] = None
_lock = threading.Lock()


def clinic_documents() -> ClinicDocuments:
    """The documents and the numbers they (and clinic.yml) state; cached until a change."""
    global _cache
    folder, settings_file = documents_dir(), settings_path()
    stamp = _stamp(folder, settings_file)
    with _lock:
        if _cache is None or _cache[0] != stamp:
            names = (
                frozenset(p.name for p in folder.glob("*.txt")) if folder.is_dir() else frozenset()
            )
            known = load_known_numbers(folder, settings_file)
            _cache = (stamp, ClinicDocuments(folder, names, known))
        return _cache[1]
