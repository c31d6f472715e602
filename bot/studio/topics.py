"""Example questions and new topics: drafts, publish (write the topic file), audit.

Data access only (no Flask). Publishing writes ``data/faq/<topic>.yml``, the reviewable
source of truth; the assistant understands the change after the next retrain, so every
message about it says so. The audit log records who added or removed which questions.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import List, Optional, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.bookings.models import utcnow
from bot.content.topic_writer import write_examples, write_new_topic
from bot.studio import audit
from bot.studio.answers import FILES_AUTHOR, AnswerError
from bot.studio.models import ExampleVersion, NewTopic

FAQ_FOLDER = Path("data") / "faq"
KEY_MAX = 40
# Messages staff mark "out of scope" in the inbox: one file the studio owns, so git diff
# shows exactly what was added (the hand-written examples stay in data/nlu/out_of_scope.yml).
OUT_OF_SCOPE_KEY = "out_of_scope_inbox"
OUT_OF_SCOPE_FILE = Path("data") / "nlu" / "out_of_scope_inbox.yml"
_OUT_OF_SCOPE_HEADER = (
    'version: "3.1"\n'
    "# Patient messages staff marked out of scope in the studio's inbox (bot/studio/inbox).\n"
    "# Written by the studio: edit it there, or here and reload.\n"
    "nlu:\n"
    "- intent: out_of_scope\n"
    "  examples: |\n"
)


def examples_file(root: Path, topic: str) -> Path:
    """Where a topic's examples live: ``data/faq/<topic>.yml``, or the inbox's
    out-of-scope file."""
    if topic == OUT_OF_SCOPE_KEY:
        return root / OUT_OF_SCOPE_FILE
    return root / FAQ_FOLDER / f"{topic}.yml"


def _writable_file(root: Path, topic: str) -> Path:
    """:func:`examples_file`, the out-of-scope file created on its first publish."""
    path = examples_file(root, topic)
    if topic == OUT_OF_SCOPE_KEY and not path.exists():
        path.write_text(_OUT_OF_SCOPE_HEADER, encoding="utf-8")
    return path


def latest_version(work: Session, topic: str) -> Optional[ExampleVersion]:
    query = (
        select(ExampleVersion)
        .where(ExampleVersion.topic == topic)
        .order_by(ExampleVersion.number.desc())
        .limit(1)
    )
    return work.execute(query).scalar_one_or_none()


def topic_key(title: str) -> str:
    """A file and intent name from a title: "Parking & access?" -> "parking_access"."""
    words = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")
    return words[:KEY_MAX].rstrip("_")


def example_history(work: Session, topic: str) -> List[ExampleVersion]:
    query = (
        select(ExampleVersion)
        .where(ExampleVersion.topic == topic)
        .order_by(ExampleVersion.number.desc())
    )
    return list(work.execute(query).scalars())


def _latest(work: Session, topic: str) -> int:
    query = select(func.max(ExampleVersion.number)).where(ExampleVersion.topic == topic)
    return int(work.execute(query).scalar() or 0)


def _add(
    work: Session, topic: str, examples: Sequence[str], actor: str, state: str, note: str = ""
) -> ExampleVersion:
    version = ExampleVersion(
        topic=topic,
        number=_latest(work, topic) + 1,
        examples=list(examples),
        state=state,
        author=actor,
        note=note[:300],
    )
    work.add(version)
    work.flush()
    return version


def changes(before: Sequence[str], after: Sequence[str]) -> dict:
    """What the audit log keeps: the questions added and removed."""
    old, new = list(before), list(after)
    return {
        "added": [e for e in new if e not in set(old)],
        "removed": [e for e in old if e not in set(new)],
        "count": len(new),
    }


def save_examples(
    work: Session,
    topic: str,
    current: Sequence[str],
    examples: Sequence[str],
    actor: str,
    publish: bool,
    root: Path,
    expected_latest: Optional[int] = None,
) -> ExampleVersion:
    """Save a topic's examples as a draft, or publish them into its file."""
    latest = _latest(work, topic)
    if expected_latest is not None and latest != expected_latest:
        raise AnswerError(
            f"Someone saved version {latest} of these questions while you were editing. "
            "Your list is still in the box: check it, then save again."
        )
    if latest == 0:
        _add(work, topic, current, FILES_AUTHOR, "published", "as in the topic file")
    version = _add(work, topic, examples, actor, "draft")
    if publish:
        write_examples(_writable_file(root, topic), examples)
        version.state = "published"
    action = "examples_publish" if publish else "examples_draft"
    audit.record(work, actor, action, f"faq/{topic}", after=changes(current, examples))
    return version


def publish_examples(
    work: Session, topic: str, current: Sequence[str], number: int, actor: str, root: Path
) -> ExampleVersion:
    """Publish a saved version (an editor's draft, or an earlier list to go back to)."""
    version = work.execute(
        select(ExampleVersion).where(ExampleVersion.topic == topic, ExampleVersion.number == number)
    ).scalar_one_or_none()
    if version is None:
        raise AnswerError(f"There is no version {number} of these questions.")
    write_examples(_writable_file(root, topic), version.examples)
    version.state = "published"
    audit.record(
        work, actor, "examples_publish", f"faq/{topic}", after=changes(current, version.examples)
    )
    return version


def new_topic(work: Session, key: str) -> Optional[NewTopic]:
    return work.get(NewTopic, key)


def waiting_topics(work: Session) -> List[NewTopic]:
    query = select(NewTopic).where(NewTopic.state == "draft").order_by(NewTopic.created_at)
    return list(work.execute(query).scalars())


def save_new_topic(
    work: Session, key: str, content: dict, actor: str, publish: bool, root: Path, today: str
) -> NewTopic:
    """Keep a new topic as a draft, or publish it as ``data/faq/<key>.yml``."""
    topic = work.get(NewTopic, key)
    if topic is not None and topic.state == "published":
        raise AnswerError(f"The topic '{key}' is already published; edit it from its page.")
    if (root / FAQ_FOLDER / f"{key}.yml").exists():
        raise AnswerError(f"A topic named '{key}' already exists. Choose another title.")
    if topic is None:
        topic = NewTopic(topic=key, author=actor)
        work.add(topic)
    for name in ("title", "examples", "text", "buttons", "sources"):
        setattr(topic, name, content[name])
    topic.state = "draft"
    if publish:
        write_new_topic(
            root / FAQ_FOLDER,
            key,
            title=content["title"],
            examples=content["examples"],
            text=content["text"],
            buttons=content["buttons"],
            sources=content["sources"],
            last_reviewed=today,
        )
        topic.state = "published"
        topic.published_by = actor
        topic.published_at = utcnow()
    work.flush()
    action = "topic_publish" if publish else "topic_draft"
    audit.record(work, actor, action, f"faq/{key}", after=topic.content())
    return topic
