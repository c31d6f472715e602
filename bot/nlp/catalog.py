"""The condition catalog (``data/catalog/conditions.yml``): one source for the
entity-ruler patterns and for what the assistant says about a condition."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

from bot.settings import PROJECT_ROOT

CATALOG_PATH = PROJECT_ROOT / "data" / "catalog" / "conditions.yml"


@dataclass(frozen=True)
class Condition:
    """A condition patients may name, with what the clinic's documents say of it."""

    key: str
    label: str
    listed: bool
    names: Tuple[str, ...]
    says: str = ""
    sources: Tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Catalog:
    conditions: Dict[str, Condition]
    body_parts: Dict[str, Tuple[str, ...]]

    def find_condition(self, text: str) -> Optional[Condition]:
        """The condition whose name (or synonym / misspelling) equals ``text``."""
        wanted = name_key(text)
        for condition in self.conditions.values():
            if wanted == name_key(condition.label) or wanted == name_key(condition.key):
                return condition
            if any(wanted == name_key(name) for name in condition.names):
                return condition
        return None

    def find_body_part(self, text: str) -> Optional[str]:
        """The body-part key (e.g. 'knee') for a name such as 'Knees'."""
        wanted = name_key(text)
        for key, names in self.body_parts.items():
            if wanted == name_key(key) or any(wanted == name_key(n) for n in names):
                return key
        return None

    def listed_conditions(self) -> List[Condition]:
        return [c for c in self.conditions.values() if c.listed]


def name_key(text: str) -> str:
    """How a condition or body-part name is looked up: lower case, letters and digits only,
    single spaces, so 'Carpal-Tunnel ' and 'carpal_tunnel' both find 'carpal tunnel'."""
    return re.sub(r"[^\w]+", " ", str(text).lower()).strip().replace("_", " ")


def load_catalog(path: Path = CATALOG_PATH) -> Catalog:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    conditions: Dict[str, Condition] = {}
    for key, item in (raw.get("conditions") or {}).items():
        names = tuple(str(n) for n in item.get("names") or [])
        if not names:
            raise ValueError(f"{path}: condition '{key}' has no names")
        if item.get("listed") and not str(item.get("says") or "").strip():
            raise ValueError(f"{path}: listed condition '{key}' needs 'says'")
        conditions[str(key)] = Condition(
            key=str(key),
            label=str(item.get("label") or key),
            listed=bool(item.get("listed")),
            names=names,
            says=str(item.get("says") or "").strip(),
            sources=tuple(str(s) for s in item.get("sources") or []),
        )
    body_parts = {
        str(key): tuple(str(n) for n in (names or [key]))
        for key, names in (raw.get("body_parts") or {}).items()
    }
    return Catalog(conditions=conditions, body_parts=body_parts)


@lru_cache(maxsize=1)
def get_catalog() -> Catalog:
    return load_catalog()
