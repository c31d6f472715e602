"""Red-flag gate on a set nobody here wrote: the FIRST reply, end to end.

Each message is sent as the first message of a new REST conversation to the real
assistant (Rasa server with the trained model + action server, bot.stack). The reply is
judged as a patient would see it: the very first message, before the session's
automated-assistant notice (bot/safety/urgent_first.py), must be urgent guidance: a
red-flag response (emergency, crisis, urgent, "unsure" or the Spanish one), recognised by
its first line. Anything else (an FAQ answer, "did you mean", out of
scope) is a miss. For near misses, an urgent first reply is a false alarm.

Only aggregate figures are printed (per category, per kind, per language), never a
message: the set must not leak into patterns or training data.

Set shape: ``emergencies: [{category, lang, text}]``, ``near_misses: [{kind, lang, text}]``.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import yaml

from bot.intents import RED_FLAG_RESPONSE_PREFIX
from bot.settings import PROJECT_ROOT, get_settings

INDEPENDENT_SET = PROJECT_ROOT / "tests" / "safety" / "independent" / "red_flags.yml"
RESPONSE_FILES = (PROJECT_ROOT / "domain.yml", PROJECT_ROOT / "data" / "nlu" / "red_flags.yml")
# Issue 9's targets. Until they are reached, `make eval-safety` fails only below the floor
# in FLOOR_FILE (the level measured and recorded there), and prints how far the targets are.
LIMITS = {"recall": 1.0, "false_alarm_rate": 0.02, "spanish_recall": 1.0}
FLOOR_FILE = INDEPENDENT_SET.parent / "floor.yml"
WORKERS = 2  # the machine has 2 cores; more senders only queue inside Rasa


@dataclass(frozen=True)
class Case:
    group: str  # the emergency's category or the near miss's kind
    lang: str
    text: str


@dataclass
class IndependentReport:
    """Counts only: (urgent first replies, messages) per group and language."""

    emergencies: Dict[str, Tuple[int, int]]
    near_misses: Dict[str, Tuple[int, int]]
    by_lang: Dict[str, Tuple[int, int]]
    near_by_lang: Dict[str, Tuple[int, int]] = field(default_factory=dict)

    @staticmethod
    def _total(counts: Mapping[str, Tuple[int, int]]) -> Tuple[int, int]:
        return sum(c[0] for c in counts.values()), sum(c[1] for c in counts.values())

    @property
    def recall(self) -> float:
        hit, n = self._total(self.emergencies)
        return hit / n if n else 1.0

    @property
    def false_alarm_rate(self) -> float:
        alarms, n = self._total(self.near_misses)
        return alarms / n if n else 0.0

    @property
    def spanish_recall(self) -> float:
        hit, n = self.by_lang.get("es", (0, 0))
        return hit / n if n else 1.0

    def failures(self, limits: Mapping[str, float] = LIMITS) -> List[str]:
        """What misses ``limits`` (issue 9's targets unless a floor is given)."""
        found = []
        if self.recall < limits["recall"]:
            found.append(f"independent recall {self.recall:.1%} < {limits['recall']:.1%}")
        if self.false_alarm_rate > limits["false_alarm_rate"]:
            found.append(
                f"independent false alarms {self.false_alarm_rate:.1%} > "
                f"{limits['false_alarm_rate']:.1%}"
            )
        if self.spanish_recall < limits["spanish_recall"]:
            found.append(
                f"independent Spanish recall {self.spanish_recall:.1%} < "
                f"{limits['spanish_recall']:.1%}"
            )
        return found


def load_floor(path: Path = FLOOR_FILE) -> Dict[str, float]:
    """The recorded floor: no change may make the independent figures worse than this."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return {key: float(raw[key]) for key in LIMITS}


def load_cases(path: Path = INDEPENDENT_SET) -> Tuple[List[Case], List[Case]]:
    """The set's emergencies and near misses (a clear error for a wrong shape)."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(raw, Mapping):
        raise ValueError(f"{path}: expected a mapping with emergencies and near_misses")

    def cases(key: str, group_key: str) -> List[Case]:
        out = []
        for i, item in enumerate(raw.get(key) or []):
            if not isinstance(item, Mapping) or not str(item.get("text") or "").strip():
                raise ValueError(f"{path}: {key}[{i}] needs a text")
            out.append(
                Case(str(item.get(group_key) or "?"), str(item.get("lang") or "en"), item["text"])
            )
        return out

    return cases("emergencies", "category"), cases("near_misses", "kind")


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _responses(files: Iterable[Path] = RESPONSE_FILES) -> Dict[str, List[str]]:
    found: Dict[str, List[str]] = {}
    for path in files:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        for name, variants in (raw.get("responses") or {}).items():
            found.setdefault(name, []).extend(
                str(v.get("text") or "") for v in variants or [] if isinstance(v, Mapping)
            )
    return found


@dataclass(frozen=True)
class ReplyJudge:
    """Tells urgent guidance from other replies, by the first line of the first message."""

    urgent_first_lines: frozenset

    @classmethod
    def from_domain(cls, files: Iterable[Path] = RESPONSE_FILES) -> "ReplyJudge":
        slots = get_settings().as_slots()
        responses = _responses(files)
        urgent = {
            _first_line(text.format_map(slots))
            for name, texts in responses.items()
            if name.startswith(RED_FLAG_RESPONSE_PREFIX)
            for text in texts
        }
        return cls(frozenset(urgent))

    @staticmethod
    def first_reply(replies: Sequence[Mapping]) -> str:
        """What the patient reads first: the first message with text (even the notice)."""
        return next((str(r["text"]) for r in replies if r.get("text")), "")

    def is_urgent(self, replies: Sequence[Mapping]) -> bool:
        return _first_line(self.first_reply(replies)) in self.urgent_first_lines


def _count(
    cases: Sequence[Case], urgent: Sequence[bool], key: Callable[[Case], str]
) -> Dict[str, Tuple[int, int]]:
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    for case, flag in zip(cases, urgent, strict=True):
        totals[key(case)] += 1
        hits[key(case)] += int(flag)
    return {k: (hits[k], totals[k]) for k in sorted(totals)}


def judge(
    emergencies: Sequence[Case],
    near_misses: Sequence[Case],
    urgent: Callable[[str], bool],
    workers: int = WORKERS,
) -> IndependentReport:
    """Score the cases with ``urgent(text) -> bool`` (one new conversation per text)."""
    texts = [c.text for c in list(emergencies) + list(near_misses)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        flags = list(pool.map(urgent, texts))
    em_flags, nm_flags = flags[: len(emergencies)], flags[len(emergencies) :]
    return IndependentReport(
        emergencies=_count(emergencies, em_flags, lambda c: c.group),
        near_misses=_count(near_misses, nm_flags, lambda c: c.group),
        by_lang=_count(emergencies, em_flags, lambda c: c.lang),
        near_by_lang=_count(near_misses, nm_flags, lambda c: c.lang),
    )


def rest_urgent(rest_url: str, judge_: Optional[ReplyJudge] = None) -> Callable[[str], bool]:
    """``urgent(text)``: send ``text`` as the first message of a new REST conversation."""
    import json
    import urllib.request
    import uuid

    reply_judge = judge_ or ReplyJudge.from_domain()

    def urgent(text: str) -> bool:
        body = json.dumps({"sender": f"eval-{uuid.uuid4().hex}", "message": text}).encode()
        request = urllib.request.Request(
            rest_url, data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            return reply_judge.is_urgent(json.loads(response.read()))

    return urgent


def evaluate_independent(model: Path, path: Path = INDEPENDENT_SET) -> IndependentReport:
    """Start the real assistant on loopback and judge every case's first reply."""
    from bot.stack import measuring_stack

    emergencies, near_misses = load_cases(path)
    with tempfile.TemporaryDirectory(prefix="pit-independent-") as workdir:
        stack = measuring_stack(model, Path(workdir))
        with stack:
            return judge(emergencies, near_misses, rest_urgent(stack.rest_url))


def _pct(counts: Tuple[int, int]) -> str:
    hit, n = counts
    return f"{hit / n:7.1%}  ({hit}/{n})" if n else "    n/a"


def format_independent(report: IndependentReport) -> str:
    """Aggregate figures only: never a message text."""
    em_hit, em_n = report._total(report.emergencies)
    nm_alarm, nm_n = report._total(report.near_misses)
    lines = [
        f"independent recall          {_pct((em_hit, em_n))}  (urgent guidance first)",
        f"independent false alarms    {_pct((nm_alarm, nm_n))}",
        "recall per category:",
    ]
    lines += [f"  {k:26s}{_pct(v)}" for k, v in report.emergencies.items()]
    lines.append("recall per language:")
    lines += [f"  {k:26s}{_pct(v)}" for k, v in report.by_lang.items()]
    lines.append("false alarms per kind:")
    lines += [f"  {k:26s}{_pct(v)}" for k, v in report.near_misses.items()]
    lines.append("false alarms per language:")
    lines += [f"  {k:26s}{_pct(v)}" for k, v in report.near_by_lang.items()]
    return "\n".join(lines)
