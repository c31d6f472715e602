"""Which inbox messages are waiting for a look, grouped so that staff decide once for many.

Messages are grouped by their words (case, punctuation and word order do not matter;
small differences such as typos do not split a group). Each group says how many
messages it holds, the topic the assistant predicted most often, its mean confidence,
why the messages need a look, and whether any came from a conversation with a red flag.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Sequence

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.studio.inbox.analytics import NO_FILTERS, Filters, within_days
from bot.studio.inbox.models import InboxConversation, InboxMessage

SIMILAR = 82.0  # rapidfuzz token_sort_ratio: above this, two messages are grouped
SHOWN_GROUPS = 200  # the page shows the biggest groups; the rest after these are handled
MAX_MESSAGES = 3000  # the newest waiting messages the page groups
SHOWN_TEXTS = 5
REASONS = {
    "declined": "declined",
    "did_you_mean": "did you mean",
    "fallback": "not understood",
    "low_confidence": "unsure",
    "rephrased": "patient rephrased",
    "rated_down": "rated down",
}
_PUNCTUATION = re.compile(r"[^\w\s\[\]]+")


@dataclass
class Waiting:
    """One message waiting for a look (what the page and the grouping need of it)."""

    id: int
    text: str
    topic: str
    confidence: float
    at: float
    channel: str
    red_flag: bool
    reasons: List[str]


@dataclass
class Group:
    ids: List[int] = field(default_factory=list)
    texts: List[str] = field(default_factory=list)  # distinct, most frequent first
    count: int = 0
    topic: str = ""
    confidence: float = 0.0
    reasons: List[str] = field(default_factory=list)
    red_flag: bool = False
    channels: List[str] = field(default_factory=list)
    last_at: float = 0.0

    @property
    def suggested_topic(self) -> str:
        """The topic offered first when assigning: never for a red-flag conversation."""
        return "" if self.red_flag else self.topic


def reasons_of(message: InboxMessage) -> List[str]:
    found = [REASONS[message.outcome]] if message.outcome in REASONS else []
    if message.low_confidence:
        found.append(REASONS["low_confidence"])
    if message.rephrased:
        found.append(REASONS["rephrased"])
    if message.rating == "down":
        found.append(REASONS["rated_down"])
    return found


def waiting(
    session: Session, filters: Filters = NO_FILTERS, limit: int = MAX_MESSAGES
) -> List[Waiting]:
    """The newest open messages that need a look (sent in the filters' days, from their
    channel), with their conversation's flags."""
    query = (
        select(InboxMessage, InboxConversation.channel, InboxConversation.red_flag)
        .join(InboxConversation, InboxMessage.conversation_id == InboxConversation.id)
        .where(InboxMessage.status == "open", InboxMessage.needs_review.is_(True))
        .order_by(InboxMessage.at.desc())
        .limit(limit)
    )
    query = within_days(query, InboxMessage.day, filters)
    if filters.channel:
        query = query.where(InboxConversation.channel == filters.channel)
    return [
        Waiting(
            m.id, m.text, m.topic, m.confidence, m.at, conv_channel or "", bool(flag), reasons_of(m)
        )
        for m, conv_channel, flag in session.execute(query)
    ]


def _key(text: str) -> str:
    """Lower case, no punctuation, words sorted: token_sort_ratio's form, computed once per
    message instead of at each comparison (the grouping compares each message with many)."""
    return " ".join(sorted(_PUNCTUATION.sub(" ", text.lower()).split()))


def group(messages: Sequence[Waiting]) -> List[Group]:
    """Groups of similar messages, biggest first (then the most recent)."""
    leaders: List[str] = []
    members: List[List[Waiting]] = []
    exact: Dict[str, int] = {}
    for message in messages:
        key = _key(message.text)
        index = exact.get(key)
        if index is None and leaders:
            best = process.extractOne(key, leaders, scorer=fuzz.ratio, score_cutoff=SIMILAR)
            index = best[2] if best else None
        if index is None:
            index = len(leaders)
            leaders.append(key)
            members.append([])
        exact[key] = index
        members[index].append(message)
    groups = [_summary(found) for found in members]
    return sorted(groups, key=lambda g: (-g.count, -g.last_at))


def _summary(found: List[Waiting]) -> Group:
    texts = Counter(m.text for m in found)
    topics = Counter(m.topic for m in found if m.topic)
    topic = topics.most_common(1)[0][0] if topics else ""
    on_topic = [m.confidence for m in found if m.topic == topic] or [0.0]
    reasons = Counter(r for m in found for r in m.reasons)
    return Group(
        ids=[m.id for m in found],
        texts=[text for text, _ in texts.most_common(SHOWN_TEXTS)],
        count=len(found),
        topic=topic,
        confidence=sum(on_topic) / len(on_topic),
        reasons=[r for r, _ in reasons.most_common()],
        red_flag=any(m.red_flag for m in found),
        channels=sorted({m.channel for m in found if m.channel}),
        last_at=max(m.at for m in found),
    )
