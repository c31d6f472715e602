"""Every response the assistant can send, as written in its YAML file.

The staff studio lists and edits responses through this module, so it needs to know
where each one lives: FAQ answers in ``data/faq/<topic>.yml`` (with the topic's title,
sources and review date), every other response in ``domain.yml`` or a ``data/`` file.
The content root is the project folder unless ``$PIT_CONTENT_ROOT`` names a copy
(tests publish into a throw-away copy, never into the checkout).
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

from bot.content.faq import RESPONSE_PREFIX
from bot.settings import PROJECT_ROOT

CONTENT_ROOT_ENV = "PIT_CONTENT_ROOT"
_cache_lock = threading.Lock()


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ten times faster
_yaml_cache: Dict[str, Tuple[Tuple[int, int], Any]] = {}


def read_yaml(path: Path) -> Any:
    """A YAML file's content, parsed again only when the file changes (time or size).

    The studio reads every data file on most pages; re-parsing them each time cost
    about a second per request on a busy machine. Callers must not modify the result.
    """
    stat = Path(path).stat()
    key = (stat.st_mtime_ns, stat.st_size)
    with _cache_lock:
        cached = _yaml_cache.get(str(path))
        if cached is not None and cached[0] == key:
            return cached[1]
    value = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_Loader)
    with _cache_lock:
        _yaml_cache[str(path)] = (key, value)
    return value


def content_root() -> Path:
    """The folder holding ``domain.yml`` and ``data/`` that the studio reads and writes."""
    return Path(os.environ.get(CONTENT_ROOT_ENV) or PROJECT_ROOT)


@dataclass(frozen=True)
class ResponseText:
    """One response's single variation (every response here has exactly one)."""

    name: str
    text: str
    buttons: Tuple[Dict[str, str], ...]
    path: str  # relative to the content root, e.g. "data/faq/does_it_hurt.yml"
    title: str
    topic: Optional[str] = None  # the FAQ topic, for utter_faq/<topic>
    sources: Tuple[str, ...] = ()
    last_reviewed: str = ""
    note: str = ""  # an FAQ topic's metadata.note (why it has no sources, say)

    @property
    def is_faq(self) -> bool:
        return self.topic is not None

    def content(self) -> dict:
        """The editable parts, in the shape answer versions store."""
        return {
            "text": self.text,
            "buttons": [dict(button) for button in self.buttons],
            "sources": list(self.sources),
            "last_reviewed": self.last_reviewed,
        }


def file_sha256(path: Path) -> str:
    """The file's SHA-256, or "" when it does not exist."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except FileNotFoundError:
        return ""


def _files(root: Path) -> List[Path]:
    return [root / "domain.yml", *sorted((root / "data").rglob("*.yml"))]


def _title(name: str) -> str:
    words = name[len("utter_") :] if name.startswith("utter_") else name
    return words.replace("_", " ").replace("/", ": ").capitalize()


def load_responses(root: Optional[Path] = None) -> Dict[str, ResponseText]:
    """Every response by name: FAQ answers first (by title), then the rest by name.

    Cheap to call on every request: each file is parsed again only when it changes
    (:func:`read_yaml`).
    """
    root = Path(root or content_root())
    return _parse(root, _files(root))


def _parse(root: Path, files: List[Path]) -> Dict[str, ResponseText]:
    found: Dict[str, ResponseText] = {}
    for path in files:
        raw = read_yaml(path) or {}
        if not isinstance(raw, dict):
            continue
        meta = {}
        for block in raw.get("nlu") or []:
            if isinstance(block, dict) and block.get("metadata"):
                meta = dict(block["metadata"])
        for name, variations in (raw.get("responses") or {}).items():
            first = (variations or [{}])[0] or {}
            topic = name[len(RESPONSE_PREFIX) :] if name.startswith(RESPONSE_PREFIX) else None
            found[name] = ResponseText(
                name=name,
                text=str(first.get("text") or ""),
                buttons=tuple(
                    {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
                    for b in first.get("buttons") or []
                ),
                path=str(path.relative_to(root)),
                title=str(meta.get("title") or _title(name)) if topic else _title(name),
                topic=topic,
                sources=tuple(str(s) for s in meta.get("sources") or []) if topic else (),
                last_reviewed=str(meta.get("last_reviewed") or "") if topic else "",
                note=str(meta.get("note") or "") if topic else "",
            )
    faq = sorted((r for r in found.values() if r.is_faq), key=lambda r: r.title.lower())
    other = sorted((r for r in found.values() if not r.is_faq), key=lambda r: r.name)
    return {r.name: r for r in [*faq, *other]}


def slot_names(root: Optional[Path] = None) -> Tuple[str, ...]:
    """The domain's slots: the only ``{placeholders}`` a response may use."""
    raw = read_yaml(Path(root or content_root()) / "domain.yml") or {}
    return tuple(sorted((raw.get("slots") or {}).keys()))
