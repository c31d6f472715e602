"""The red-flag catalog (``data/catalog/red_flags.yml``): what counts as a red flag.

Staff keep the words in that file; this module only reads and checks it, so a typo in
the file fails loudly at start-up (and in the tests) instead of silently missing
emergencies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, Mapping, Optional, Tuple

import yaml

from bot.settings import PROJECT_ROOT

RED_FLAGS_PATH = PROJECT_ROOT / "data" / "catalog" / "red_flags.yml"

DISMISSALS = frozenset(
    {
        "negation",
        "weak_negation",
        "question",
        "history",
        "chronic",
        "mild",
        "resolved",
        "negated_state",
        "recovered_history",
        "passed_and_well",
        "what_if",
        "story",
    }
)
NEEDS = frozenset({"report", "injection"})
LANGUAGES = frozenset({"en", "es"})
REQUIRED_CUES = (
    "negation",
    "weak_negation",
    "pseudo_negation",
    "scope_break",
    "list_words",
    "symptom_words",
    "hypothetical",
    "question_words",
    "fillers",
    "report_subjects",
    "report_contracted",
    "report_verbs",
    "report_blockers",
    "report_not_symptom",
    "report_time",
    "report_followup",
    "conditional",
    "history",
    "chronic",
    "change_now",
    "mild",
    "resolved",
    "injection",
)


class RedFlagCatalogError(ValueError):
    """The red-flag catalog file is missing or has a wrong entry."""


@dataclass(frozen=True)
class Pattern:
    """One phrase in the catalog's pattern syntax, with what it needs to count."""

    phrase: str
    needs: FrozenSet[str] = frozenset()


@dataclass(frozen=True)
class Severity:
    name: str
    rank: int
    response: str
    # Sent instead of ``response`` when every match of this severity tells of another person
    # ("my son says he will end it"): it speaks to the one who is with them.
    someone_else_response: Optional[str] = None


@dataclass(frozen=True)
class Category:
    """A kind of red flag (e.g. chest pain) and the phrases that signal it."""

    key: str
    severity: str
    label: str
    patterns: Tuple[Pattern, ...]
    dismissed_by: FrozenSet[str] = frozenset()
    exceptions: Tuple[str, ...] = ()
    clinical: str = ""  # one of the 10 clinical categories (issue 9)
    lang: str = "en"


@dataclass(frozen=True)
class ContextLimit:
    """A ConText category's reach: at most ``max_scope`` tokens from its trigger (None: to
    the end of the sentence), and ended early by a modifier of ``ended_by`` categories."""

    max_scope: Optional[int] = None
    ended_by: Tuple[str, ...] = ()


CONTEXT_LIMIT_KEYS = ("max_scope", "ended_by")


@dataclass(frozen=True)
class RedFlagCatalog:
    severities: Dict[str, Severity]
    words: Dict[str, Tuple[str, ...]]
    cues: Dict[str, Tuple[str, ...]]
    categories: Tuple[Category, ...] = field(default_factory=tuple)
    clinical_categories: Dict[str, str] = field(default_factory=dict)
    context: Dict[str, Dict[str, Tuple[str, ...]]] = field(default_factory=dict)
    # per ConText category: how far its triggers reach and which categories end them
    context_limits: Dict[str, ContextLimit] = field(default_factory=dict)

    def category(self, key: str) -> Optional[Category]:
        return next((c for c in self.categories if c.key == key), None)


def _strings(value: Any, where: str) -> Tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise RedFlagCatalogError(f"{where}: expected a non-empty list")
    out = []
    for item in value:
        if isinstance(item, bool):  # YAML reads a bare no / yes / on / off as true or false
            raise RedFlagCatalogError(f"{where}: put quotes around '{str(item).lower()}'")
        if not isinstance(item, (str, int, float)) or not str(item).strip():
            raise RedFlagCatalogError(f"{where}: '{item}' is not a word or phrase")
        out.append(str(item).strip())
    return tuple(out)


def _pattern(raw: Any, where: str) -> Pattern:
    if isinstance(raw, str) and raw.strip():
        return Pattern(raw.strip())
    if isinstance(raw, Mapping) and isinstance(raw.get("phrase"), str):
        needs = frozenset(raw.get("needs") or [])
        unknown = needs - NEEDS
        if unknown:
            raise RedFlagCatalogError(f"{where}: unknown needs {sorted(unknown)}")
        return Pattern(raw["phrase"].strip(), needs)
    raise RedFlagCatalogError(f"{where}: a pattern is a phrase or {{phrase: ..., needs: [...]}}")


def _category(
    raw: Any, severities: Mapping[str, Severity], index: int, clinical: Mapping[str, str]
) -> Category:
    if not isinstance(raw, Mapping):
        raise RedFlagCatalogError(f"categories[{index}] must be a mapping")
    key = str(raw.get("key") or "").strip()
    where = f"category '{key or index}'"
    if not key.replace("_", "").isalnum():
        raise RedFlagCatalogError(f"{where}: key must be letters, digits and _")
    severity = raw.get("severity")
    if severity not in severities:
        raise RedFlagCatalogError(f"{where}: severity must be one of {sorted(severities)}")
    dismissed = frozenset(raw.get("dismissed_by") or [])
    unknown = dismissed - DISMISSALS
    if unknown:
        raise RedFlagCatalogError(f"{where}: unknown dismissed_by {sorted(unknown)}")
    patterns = tuple(
        _pattern(p, f"{where} pattern {i + 1}") for i, p in enumerate(raw.get("patterns") or [])
    )
    if not patterns:
        raise RedFlagCatalogError(f"{where}: needs at least one pattern")
    exceptions = _strings(raw["except"], f"{where} except") if raw.get("except") else ()
    group = str(raw.get("category") or "").strip()
    if clinical and group not in clinical:
        raise RedFlagCatalogError(f"{where}: category must be one of {sorted(clinical)}")
    lang = str(raw.get("lang") or "en").strip()
    if lang not in LANGUAGES:
        raise RedFlagCatalogError(f"{where}: lang must be one of {sorted(LANGUAGES)}")
    return Category(
        clinical=group or key,
        lang=lang,
        key=key,
        severity=str(severity),
        label=str(raw.get("label") or key),
        patterns=patterns,
        dismissed_by=dismissed,
        exceptions=exceptions,
    )


def parse_catalog(raw: Any) -> RedFlagCatalog:
    """Validate the YAML content of the red-flag catalog."""
    if not isinstance(raw, Mapping):
        raise RedFlagCatalogError("the red-flag catalog must be a YAML mapping")
    severities: Dict[str, Severity] = {}
    for name, spec in (raw.get("severities") or {}).items():
        if not isinstance(spec, Mapping) or "rank" not in spec or "response" not in spec:
            raise RedFlagCatalogError(f"severity '{name}' needs rank and response")
        other = spec.get("someone_else_response")
        severities[str(name)] = Severity(
            str(name), int(spec["rank"]), str(spec["response"]), str(other) if other else None
        )
    if not severities:
        raise RedFlagCatalogError("the catalog needs severities")
    words = {
        str(name): _strings(values, f"words.{name}")
        for name, values in (raw.get("words") or {}).items()
    }
    cues_raw = raw.get("cues") or {}
    missing = [name for name in REQUIRED_CUES if name not in cues_raw]
    if missing:
        raise RedFlagCatalogError("missing cue lists: " + ", ".join(missing))
    cues = {str(name): _strings(values, f"cues.{name}") for name, values in cues_raw.items()}
    clinical = {str(k): str(v) for k, v in (raw.get("clinical_categories") or {}).items()}
    categories = tuple(
        _category(c, severities, i, clinical) for i, c in enumerate(raw.get("categories") or [])
    )
    if not categories:
        raise RedFlagCatalogError("the catalog has no categories")
    keys = [c.key for c in categories]
    if len(set(keys)) != len(keys):
        raise RedFlagCatalogError("category keys must be unique")
    uncovered = sorted(set(clinical) - {c.clinical for c in categories})
    if uncovered:
        raise RedFlagCatalogError("clinical categories without entries: " + ", ".join(uncovered))
    context_raw = raw.get("context") or {}
    context_limits = {
        str(category): _context_limit(by_direction or {}, f"context.{category}")
        for category, by_direction in context_raw.items()
        if set(by_direction or {}) & set(CONTEXT_LIMIT_KEYS)
    }
    context_names = {str(c).upper() for c in context_raw}
    for category, limit in context_limits.items():
        for name in limit.ended_by:
            if name not in context_names:
                raise RedFlagCatalogError(
                    f"context.{category}.ended_by: '{name}' is not a context category"
                )
    return RedFlagCatalog(
        severities=severities,
        words=words,
        cues=cues,
        categories=categories,
        clinical_categories=clinical,
        context={
            str(category): {
                str(direction): _strings(literals, f"context.{category}.{direction}")
                for direction, literals in (by_direction or {}).items()
                if direction not in CONTEXT_LIMIT_KEYS
            }
            for category, by_direction in context_raw.items()
        },
        context_limits=context_limits,
    )


def _context_limit(raw: Mapping[str, Any], where: str) -> ContextLimit:
    """``max_scope`` (a positive number of tokens) and ``ended_by`` (category names)."""
    scope = raw.get("max_scope")
    if scope is not None and (not isinstance(scope, int) or isinstance(scope, bool) or scope < 1):
        raise RedFlagCatalogError(f"{where}.max_scope must be a whole number of tokens, 1 or more")
    ended = _strings(raw["ended_by"], f"{where}.ended_by") if raw.get("ended_by") else ()
    return ContextLimit(max_scope=scope, ended_by=tuple(e.upper() for e in ended))


def load_red_flag_catalog(path: Optional[Path] = None) -> RedFlagCatalog:
    """Read and validate the red-flag catalog file."""
    path = Path(path or RED_FLAGS_PATH)
    try:
        text = path.read_text(encoding="utf-8")
        raw = yaml.safe_load(text)
    except FileNotFoundError as exc:
        raise RedFlagCatalogError(f"red-flag catalog not found: {path}") from exc
    except yaml.YAMLError as exc:
        raise RedFlagCatalogError(f"red-flag catalog {path} is not valid YAML: {exc}") from exc
    check_no_cut_patterns(text, path)
    return parse_catalog(raw)


_UNQUOTED_ITEM_WITH_HASH = re.compile(r"^\s*- [^\"'{\s#][^#]*\s#\S")


def check_no_cut_patterns(text: str, path: Path) -> None:
    """Refuse a pattern that YAML cut short: in ``- took ...2 #num|extra``, " #num..." is a
    comment, so the pattern silently became "took ...2" and matched every "take"."""
    for number, line in enumerate(text.splitlines(), start=1):
        if _UNQUOTED_ITEM_WITH_HASH.match(line):
            raise RedFlagCatalogError(
                f"{path}:{number}: '#' starts a YAML comment here, so the pattern is cut "
                f"short. Put the pattern in double quotes: {line.strip()}"
            )


@lru_cache(maxsize=1)
def get_red_flag_catalog() -> RedFlagCatalog:
    """The catalog loaded once per process."""
    return load_red_flag_catalog()
