"""Multi-turn conversation check through the real assistant (issue 15).

Each conversation in the file is replayed turn by turn, in a fresh conversation, over the REST
channel of a real Rasa server and action server (bot.stack, as `make run` starts them). Only
the assistant's LAST reply is judged, and it is judged on what the assistant did, read from the
tracker store: the ``utter_action`` of each message (which response was sent), the active form
and the slots, not on wording. ``mentions`` (optional) are words the reply's text must contain.

File shape::

    conversations:
      - id: c1
        pattern: typed_offer_reply
        turns: ["book a consultation", "yes please"]
        expect: {kind: form_question, value: name}

Only aggregates (per pattern, per kind) are printed unless ``--details`` is given: the
held-out file must not leak into anyone's work through logs.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import urllib.request
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import yaml

from bot.settings import PROJECT_ROOT

HELD_OUT_FILE = PROJECT_ROOT / "tests" / "conversations" / "held_out.yml"
DEV_FILE = PROJECT_ROOT / "tests" / "conversations" / "dev.yml"
# Gates (issue 15): these patterns must all pass; overall at least this share.
STRICT_PATTERNS = ("typed_offer_reply", "personal_details")
OVERALL_MIN = 0.95
# Issue 15's targets are above (100% on the strict patterns, 95% overall). Until the held-out
# set reaches them, `make eval-conversations` fails only below this recorded floor.
FLOOR_FILE = HELD_OUT_FILE.parent / "floor.yml"

CONDITION_RESPONSES = ("utter_condition_listed", "utter_condition_not_listed", "utter_body_part")
FORM_QUESTIONS: Dict[str, Tuple[str, ...]] = {
    "name": ("utter_ask_request_name",),
    "contact": ("utter_ask_request_contact", "utter_request_contact_known"),
    "phone": ("utter_ask_request_phone", "utter_request_phone_known"),
    "pain_area": ("utter_request_pain_area_open", "utter_request_pain_area_known"),
    "pain_area_confirm": ("utter_request_pain_area_known",),
    "patient_type": ("utter_ask_request_patient_type",),
    "times": ("utter_request_times",),
    "call_time": ("utter_request_call_time",),
    "consent": ("utter_ask_request_consent",),
    "summary": ("utter_ask_request_confirmed",),
}
SIMPLE_KINDS: Dict[str, Tuple[str, ...]] = {
    "booking_offer": ("utter_book_consultation",),
    "request_sent": ("utter_booking_sent", "utter_booking_saved", "utter_callback_sent"),
    "declined_form": ("utter_request_no_consent", "utter_request_cancelled", "utter_no_problem"),
    "details_offer": ("utter_details_offer",),
    "diagnosis_disclaimer": ("utter_ask_diagnosis",),
    "handoff": ("utter_handoff_open", "utter_handoff_closed"),
    "goodbye": ("utter_goodbye",),
}
FORMS = {"form_question": "booking_form", "callback_form_question": "callback_form"}


@dataclass(frozen=True)
class Conversation:
    id: str
    pattern: str
    turns: Tuple[str, ...]
    expect: Mapping[str, Any]


@dataclass
class Reply:
    """What the assistant did after the last turn."""

    actions: List[str]  # utter_action of each message, in order
    text: str
    active_form: Optional[str]
    slots: Dict[str, Any]


@dataclass
class Result:
    conversation: Conversation
    passed: bool
    got: str


@dataclass
class Report:
    results: List[Result] = field(default_factory=list)

    def share(self, results: Sequence[Result]) -> float:
        return sum(r.passed for r in results) / len(results) if results else 0.0

    def by(self, key: str) -> Dict[str, List[Result]]:
        groups: Dict[str, List[Result]] = defaultdict(list)
        for result in self.results:
            value = (
                result.conversation.pattern
                if key == "pattern"
                else result.conversation.expect.get("kind")
            )
            groups[str(value)].append(result)
        return dict(sorted(groups.items()))


def load(path: Path) -> List[Conversation]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [
        Conversation(
            id=str(item["id"]),
            pattern=str(item.get("pattern") or "other"),
            turns=tuple(str(t) for t in item["turns"]),
            expect=dict(item["expect"]),
        )
        for item in raw.get("conversations") or []
    ]


def _plain(text: Any) -> str:
    return " ".join(str(text or "").lower().replace("_", " ").split())


def _condition_matches(value: str, reply: Reply) -> bool:
    from bot.nlp.catalog import get_catalog

    wanted = _plain(value)
    if wanted and wanted in _plain(reply.text):
        return True
    catalog = get_catalog()
    names = {wanted}
    found = catalog.find_condition(value)
    if found:
        names |= {_plain(found.label), _plain(found.key)}
    part = catalog.find_body_part(value)
    if part:
        names.add(_plain(part))
    remembered = {_plain(reply.slots.get("condition")), _plain(reply.slots.get("body_part"))}
    for slot_value in list(remembered):
        c = catalog.find_condition(slot_value) if slot_value else None
        if c:
            remembered |= {_plain(c.label), _plain(c.key)}
        b = catalog.find_body_part(slot_value) if slot_value else None
        if b:
            remembered.add(_plain(b))
    if names & (remembered - {""}) or any(n and n in _plain(reply.text) for n in names):
        return True
    return _condition_and_part_remembered(wanted, reply)


def _condition_and_part_remembered(wanted: str, reply: Reply) -> bool:
    """ "knee arthritis": the condition (arthritis) and the body part (knee) are both held,
    so the answer about arthritis is about the patient's knees."""
    from bot.nlp.catalog import get_catalog

    catalog = get_catalog()
    held_condition = catalog.find_condition(_plain(reply.slots.get("condition")))
    if held_condition is None:
        return False
    held_part = catalog.find_body_part(_plain(reply.slots.get("body_part")))
    words = wanted.split()
    for i, word in enumerate(words):
        part = catalog.find_body_part(word)
        rest = " ".join(words[:i] + words[i + 1 :])
        condition = catalog.find_condition(rest) if part and rest else None
        if condition is not None and condition.key == held_condition.key:
            return held_part == part
    return False


def judge(expect: Mapping[str, Any], reply: Reply) -> bool:
    """Did the last reply do what ``expect`` says?"""
    kind = str(expect.get("kind"))
    value = expect.get("value")
    actions = set(reply.actions)
    if kind == "faq":
        ok = f"utter_faq/{value}" in actions or (
            value == "how_many_sessions" and "utter_sessions_for_condition" in actions
        )
    elif kind == "condition":
        ok = bool(actions & set(CONDITION_RESPONSES)) and (
            value is None or _condition_matches(str(value), reply)
        )
    elif kind in FORMS:
        ok = bool(actions & set(FORM_QUESTIONS.get(str(value), ()))) and (
            reply.active_form == FORMS[kind]
        )
    elif kind in SIMPLE_KINDS:
        ok = bool(actions & set(SIMPLE_KINDS[kind]))
    else:
        raise ValueError(f"unknown expect kind: {kind}")
    mentions = expect.get("mentions") or []
    if isinstance(mentions, str):
        mentions = [mentions]
    return ok and all(_plain(m) in _plain(reply.text) for m in mentions)


def _post(url: str, sender: str, text: str) -> None:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        response.read()


def read_reply(tracker_db: Path, sender: str) -> Reply:
    """The last turn's messages, the active form and the slots, from the tracker store."""
    with sqlite3.connect(tracker_db) as db:
        rows = db.execute(
            "SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", (sender,)
        ).fetchall()
    events = [(kind, json.loads(data)) for kind, data in rows]
    last_user = max((i for i, (kind, _) in enumerate(events) if kind == "user"), default=-1)
    actions, texts, slots, form = [], [], {}, None
    for i, (kind, data) in enumerate(events):
        if kind == "slot":
            slots[data.get("name")] = data.get("value")
        elif kind == "active_loop":
            form = data.get("name")
        elif kind == "bot" and i > last_user:
            actions.append(str((data.get("metadata") or {}).get("utter_action") or ""))
            texts.append(str(data.get("text") or ""))
    return Reply(actions=actions, text="\n".join(texts), active_form=form, slots=slots)


def replay(rest_url: str, tracker_db: Path, conversation: Conversation) -> Reply:
    sender = f"eval-{conversation.id}-{uuid.uuid4().hex[:8]}"
    for turn in conversation.turns:
        _post(rest_url, sender, turn)
    return read_reply(tracker_db, sender)


def evaluate(model: Path, conversations: Sequence[Conversation]) -> Report:
    """Start the assistant once and replay every conversation against it.

    Requests the conversations send go to a throw-away database, never the clinic's."""
    from bot.bookings.config import DATABASE_URL_ENV
    from bot.bookings.db import dispose_engines, upgrade_database
    from bot.stack import measuring_stack

    report = Report()
    with tempfile.TemporaryDirectory(prefix="pit-conversations-") as workdir:
        database_url = f"sqlite:///{Path(workdir) / 'requests.db'}"
        upgrade_database(database_url)
        dispose_engines()
        previous = os.environ.get(DATABASE_URL_ENV)
        os.environ[DATABASE_URL_ENV] = database_url  # the action server inherits it
        stack = measuring_stack(model, Path(workdir))
        with stack:
            tracker_db = Path(workdir) / "tracker.db"
            for conversation in conversations:
                reply = replay(stack.rest_url, tracker_db, conversation)
                passed = judge(conversation.expect, reply)
                got = ",".join(a for a in reply.actions if a) or "(nothing)"
                report.results.append(Result(conversation, passed, got))
        if previous is None:
            os.environ.pop(DATABASE_URL_ENV, None)
        else:
            os.environ[DATABASE_URL_ENV] = previous
    return report


def format_report(report: Report, details: bool = False) -> str:
    lines = [
        f"Conversations: {sum(r.passed for r in report.results)}/{len(report.results)} "
        f"({report.share(report.results):.1%}) judged on the last reply"
    ]
    for key in ("pattern", "kind"):
        lines.append(f"\nPer {key}:")
        for name, results in report.by(key).items():
            lines.append(
                f"  {name:24} {sum(r.passed for r in results):3}/{len(results):<3} "
                f"{report.share(results):.1%}"
            )
    if details:
        failed = [r for r in report.results if not r.passed]
        if failed:
            lines.append("\nFailed:")
        for r in failed:
            c = r.conversation
            lines.append(
                f"  [{c.id} {c.pattern}] {list(c.turns)} expect {dict(c.expect)} got {r.got}"
            )
    return "\n".join(lines)


def targets() -> Dict[str, float]:
    """Issue 15's targets: ``overall`` and one entry per strict pattern."""
    return {"overall": OVERALL_MIN, **dict.fromkeys(STRICT_PATTERNS, 1.0)}


def load_floor(path: Path = FLOOR_FILE) -> Dict[str, float]:
    """The recorded floor (same keys as :func:`targets`): no change may go below it."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return {key: float(raw[key]) for key in targets()}


def failures(report: Report, limits: Optional[Mapping[str, float]] = None) -> List[str]:
    """What is below ``limits`` (issue 15's targets unless a floor is given)."""
    limits = limits or targets()
    problems = []
    groups = report.by("pattern")
    for pattern in STRICT_PATTERNS:
        results = groups.get(pattern) or []
        if results and report.share(results) < limits[pattern]:
            problems.append(
                f"{pattern}: {report.share(results):.1%} (must be >= {limits[pattern]:.1%})"
            )
    if report.share(report.results) < limits["overall"]:
        problems.append(
            f"overall: {report.share(report.results):.1%} (must be >= {limits['overall']:.1%})"
        )
    return problems
