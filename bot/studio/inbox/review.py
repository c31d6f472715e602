"""What staff decide about inbox messages: a topic, out of scope, a new topic, or dismiss.

Assigning turns the (masked) messages into training examples through the same checks
and the same draft / publish flow as the topic pages (bot/studio/topics.py): an editor's
choice is a draft a publisher reviews; a publisher's can be published at once. Messages
still holding a masked detail (``[phone]``...) never become examples. Every decision is
in the audit log; the messages stay in the inbox's history with who decided what.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import intents
from bot.content.faq import RETRIEVAL_INTENT
from bot.content.topic_writer import read_examples
from bot.content.training_examples import (
    ExampleProblem,
    check_examples,
    held_out_texts,
    normalized,
    training_index,
    unique,
)
from bot.privacy.masking import PLACEHOLDERS
from bot.studio import audit, topics
from bot.studio.inbox.models import InboxConversation, InboxMessage

MAX_IDS = 5000  # one decision, at most this many messages


class ReviewError(ValueError):
    """Why a decision cannot be made; the page shows it and nothing is changed."""

    def __init__(self, message: str, problems: Sequence[ExampleProblem] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


@dataclass(frozen=True)
class Decision:
    """What a decision did: how many messages, and the examples added (if any)."""

    messages: int
    added: Tuple[str, ...] = ()
    version: Optional[int] = None
    published: bool = False


def parse_ids(values: Sequence[str]) -> List[int]:
    """Message ids from the form (checkbox values hold a group's ids, comma-separated)."""
    ids: List[int] = []
    for value in values:
        for part in str(value).split(","):
            part = part.strip()
            if part.isdigit() and len(part) < 12:
                ids.append(int(part))
    return sorted(set(ids))[:MAX_IDS]


def _open(work: Session, ids: Sequence[int]) -> List[Tuple[InboxMessage, bool]]:
    if not ids:
        raise ReviewError("Tick at least one message or group first.")
    rows = work.execute(
        select(InboxMessage, InboxConversation.red_flag)
        .join(InboxConversation, InboxMessage.conversation_id == InboxConversation.id)
        .where(
            InboxMessage.id.in_(ids),
            InboxMessage.status == "open",
            InboxMessage.role == "patient",
            InboxMessage.needs_review.is_(True),
        )
        .order_by(InboxMessage.at)
    ).all()
    if not rows:
        raise ReviewError("Those messages were already handled (someone else may have done it).")
    return [(message, bool(flag)) for message, flag in rows]


def _resolve(
    found: Sequence[Tuple[InboxMessage, bool]], status: str, resolution: str, actor: str
) -> None:
    for message, _ in found:
        message.status = status
        message.resolution = resolution[:120]
        message.resolved_by = actor


def _as_examples(found: Sequence[Tuple[InboxMessage, bool]]) -> List[str]:
    masked = [m.text for m, _ in found if any(p in m.text for p in PLACEHOLDERS)]
    if masked:
        raise ReviewError(
            f"{len(masked)} of these messages hold masked personal details "
            f"(like “{masked[0]}”), which never become training examples. Untick them, or "
            "dismiss them."
        )
    return unique([" ".join(m.text.split()) for m, _ in found if m.text.strip()])


def _red_flag_check(found: Sequence[Tuple[InboxMessage, bool]], confirmed: bool) -> None:
    if any(flag for _, flag in found) and not confirmed:
        raise ReviewError(
            "Some of these messages come from a conversation that reported a red flag. "
            "Make sure they are ordinary questions, tick “I checked: not an emergency”, "
            "and try again."
        )


def file_examples(root: Path, topic: str) -> List[str]:
    """The examples in the topic's file (none while the out-of-scope file does not exist)."""
    path = topics.examples_file(root, topic)
    return list(read_examples(path)) if path.exists() else []


def _base(work: Session, root: Path, topic: str) -> Tuple[List[str], List[str]]:
    """(the topic file's examples, the list to build on: the newest draft if there is one)."""
    current = file_examples(root, topic)
    latest = topics.latest_version(work, topic)
    base = list(latest.examples) if latest is not None and latest.state == "draft" else current
    return current, base


def assign(
    work: Session,
    ids: Sequence[int],
    topic: str,
    actor: str,
    root: Path,
    publish: bool,
    titles: Dict[str, str],
    red_flag_checked: bool = False,
) -> Decision:
    """Add the messages as examples of FAQ ``topic`` (draft, or published)."""
    if f"{RETRIEVAL_INTENT}/{topic}" not in titles:
        raise ReviewError("Choose the topic these messages ask about.")
    found = _open(work, ids)
    _red_flag_check(found, red_flag_checked)
    new = _as_examples(found)
    current, base = _base(work, root, topic)
    known = {normalized(e) for e in base}
    added = [e for e in new if normalized(e) not in known]
    wanted = base + added
    intent = f"{RETRIEVAL_INTENT}/{topic}"
    problems = check_examples(
        wanted, intent, training_index(root), held_out_texts(), titles, existing=set(base)
    )
    draft = Draft(topic, current, base, added, problems)
    return _save(work, found, draft, actor, publish, root, ("assigned", intent, "inbox_assign"))


def out_of_scope(
    work: Session,
    ids: Sequence[int],
    actor: str,
    root: Path,
    publish: bool,
    titles: Dict[str, str],
    red_flag_checked: bool = False,
) -> Decision:
    """Add the messages as examples the assistant declines (data/nlu/out_of_scope_inbox.yml)."""
    found = _open(work, ids)
    _red_flag_check(found, red_flag_checked)
    new = _as_examples(found)
    index = training_index(root)
    already = {k for k, where in index.items() if intents.OUT_OF_SCOPE in where}
    topic = topics.OUT_OF_SCOPE_KEY
    current, base = _base(work, root, topic)
    known = already | {normalized(e) for e in base}
    added = [e for e in new if normalized(e) not in known]
    # The topic-size rules are for FAQ topics; only each new line is checked here.
    problems = [
        p
        for p in check_examples(added, intents.OUT_OF_SCOPE, index, held_out_texts(), titles)
        if p.example
    ]
    draft = Draft(topic, current, base, added, problems)
    outcome = ("out_of_scope", intents.OUT_OF_SCOPE, "inbox_out_of_scope")
    return _save(work, found, draft, actor, publish, root, outcome)


@dataclass(frozen=True)
class Draft:
    """A topic's examples with the inbox's messages added, and what the checks found."""

    topic: str
    current: List[str]  # the topic file's list
    base: List[str]  # the list added to (the newest draft, else the file's)
    added: List[str]
    problems: Sequence[ExampleProblem]


def _save(
    work: Session,
    found: Sequence[Tuple[InboxMessage, bool]],
    draft: Draft,
    actor: str,
    publish: bool,
    root: Path,
    outcome: Tuple[str, str, str],
) -> Decision:
    """Checked examples: a new version of the topic's list (draft, or published), the
    messages resolved, and the audit entry. ``outcome``: (status, intent, audit action)."""
    if draft.problems:
        raise ReviewError("These messages cannot be added as they are:", draft.problems)
    version = None
    added = draft.added
    if added:
        wanted = draft.base + added
        saved = topics.save_examples(work, draft.topic, draft.current, wanted, actor, publish, root)
        version = saved.number
    status, intent, action = outcome
    _resolve(found, status, intent, actor)
    audit.record(work, actor, action, intent, after={"messages": len(found), "added": added})
    return Decision(len(found), tuple(added), version, publish and bool(added))


def new_topic(work: Session, ids: Sequence[int], actor: str) -> List[str]:
    """Mark the messages "new topic needed"; returns them as the new topic's examples."""
    found = _open(work, ids)
    examples = _as_examples(found)
    _resolve(found, "new_topic", "new topic", actor)
    audit.record(work, actor, "inbox_new_topic", "", after={"messages": len(found)})
    return examples


def dismiss(work: Session, ids: Sequence[int], actor: str) -> Decision:
    found = _open(work, ids)
    _resolve(found, "dismissed", "", actor)
    audit.record(work, actor, "inbox_dismiss", "", after={"messages": len(found)})
    return Decision(len(found))


def waiting_out_of_scope(work: Session) -> Optional[int]:
    """The number of an out-of-scope draft waiting for a publisher, if there is one."""
    latest = topics.latest_version(work, topics.OUT_OF_SCOPE_KEY)
    return latest.number if latest is not None and latest.state == "draft" else None
