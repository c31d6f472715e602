"""The studio inbox's copy of patient messages (masked), erased and purged with the rest.

The inbox keeps masked text only, but the conversation it came from is still the
patient's: erasure removes it by conversation id, and retention by the message's age.
"""

from __future__ import annotations

from datetime import datetime
from typing import Dict, Iterable, List

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.privacy.tracker_events import in_chunks
from bot.studio.inbox.models import InboxConversation, InboxMessage

PLACE = "inbox_messages"


def _conversation_ids(session: Session, sender_ids: Iterable[str]) -> List[int]:
    found: List[int] = []
    for chunk in in_chunks(list(sender_ids)):
        found.extend(
            session.execute(
                select(InboxConversation.id).where(InboxConversation.sender_id.in_(chunk))
            ).scalars()
        )
    return found


def count(session: Session, sender_ids: Iterable[str]) -> Dict[str, int]:
    ids = _conversation_ids(session, sender_ids)
    if not ids:
        return {PLACE: 0}
    query = select(func.count()).where(InboxMessage.conversation_id.in_(ids))
    return {PLACE: int(session.execute(query).scalar_one())}


def erase(session: Session, sender_ids: Iterable[str]) -> Dict[str, int]:
    """Delete these conversations' inbox rows; returns the messages removed."""
    ids = _conversation_ids(session, sender_ids)
    if not ids:
        return {PLACE: 0}
    removed = session.execute(
        delete(InboxMessage).where(InboxMessage.conversation_id.in_(ids))
    ).rowcount
    session.execute(delete(InboxConversation).where(InboxConversation.id.in_(ids)))
    return {PLACE: int(removed or 0)}


def expired(session: Session, cutoff: datetime) -> Dict[str, int]:
    query = select(func.count()).where(InboxMessage.at < cutoff.timestamp())
    return {PLACE: int(session.execute(query).scalar_one())}


def purge_older_than(session: Session, cutoff: datetime) -> Dict[str, int]:
    """Delete messages older than ``cutoff`` and conversations with nothing newer."""
    moment = cutoff.timestamp()
    removed = session.execute(delete(InboxMessage).where(InboxMessage.at < moment)).rowcount
    session.execute(delete(InboxConversation).where(InboxConversation.last_at < moment))
    return {PLACE: int(removed or 0)}
