"""The studio's conversation list and transcripts: searchable, masked like the inbox."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.studio.inbox.analytics import Filters, conversation_filter
from bot.studio.inbox.models import InboxConversation, InboxMessage

PAGE_SIZE = 50
MAX_SEARCH = 100


@dataclass(frozen=True)
class Row:
    id: int
    started_at: float
    channel: str
    topics: Tuple[str, ...]
    messages: int
    red_flag: bool
    request: bool  # a booking or call-back request was sent


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def listing(
    session: Session,
    filters: Filters,
    search: str = "",
    red_flag: Optional[bool] = None,
    request: Optional[bool] = None,
    page: int = 1,
) -> Tuple[List[Row], bool]:
    """One page of conversations, newest first, and whether there is another page."""
    query = select(InboxConversation).order_by(
        InboxConversation.started_at.desc(), InboxConversation.id.desc()
    )
    query = conversation_filter(query, filters)
    if red_flag is not None:
        query = query.where(InboxConversation.red_flag.is_(red_flag))
    if request is True:
        query = query.where(or_(InboxConversation.booking, InboxConversation.callback))
    elif request is False:
        query = query.where(~InboxConversation.booking, ~InboxConversation.callback)
    search = " ".join(search.split())[:MAX_SEARCH]
    if search:
        matching = select(InboxMessage.conversation_id).where(
            InboxMessage.text.ilike(_like(search), escape="\\")
        )
        query = query.where(InboxConversation.id.in_(matching))
    page = max(1, page)
    found = list(
        session.execute(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).scalars()
    )
    more = len(found) > PAGE_SIZE
    found = found[:PAGE_SIZE]
    ids = [c.id for c in found]
    topics: Dict[int, List[str]] = {}
    counts: Dict[int, int] = {}
    if ids:
        rows = session.execute(
            select(InboxMessage.conversation_id, InboxMessage.topic, func.count())
            .where(
                InboxMessage.conversation_id.in_(ids),
                InboxMessage.role == "patient",
                InboxMessage.typed.is_(True),
            )
            .group_by(InboxMessage.conversation_id, InboxMessage.topic)
        )
        for conversation_id, topic, count in rows:
            counts[conversation_id] = counts.get(conversation_id, 0) + count
            if topic:
                topics.setdefault(conversation_id, []).append(topic)
    return [
        Row(
            c.id,
            c.started_at,
            c.channel,
            tuple(sorted(topics.get(c.id, []))),
            counts.get(c.id, 0),
            bool(c.red_flag),
            bool(c.booking or c.callback),
        )
        for c in found
    ], more


def transcript(
    session: Session, conversation_id: int
) -> Optional[Tuple[InboxConversation, Sequence[InboxMessage]]]:
    """A conversation and its messages in order (masked), or None."""
    conversation = session.get(InboxConversation, conversation_id)
    if conversation is None:
        return None
    messages = list(
        session.execute(
            select(InboxMessage)
            .where(InboxMessage.conversation_id == conversation_id)
            .order_by(InboxMessage.at, InboxMessage.id)
        ).scalars()
    )
    return conversation, messages
