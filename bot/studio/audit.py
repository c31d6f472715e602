"""The audit log: who changed what, when, with the value before and after.

Written in the same transaction as the change it describes, so a change and its
record can never be separated.
"""

from __future__ import annotations

from typing import Any, List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.studio.models import AuditEntry


def record(
    session: Session,
    actor: str,
    action: str,
    target: str = "",
    before: Any = None,
    after: Any = None,
    detail: Optional[str] = None,
) -> AuditEntry:
    entry = AuditEntry(
        actor=actor, action=action, target=target, before=before, after=after, detail=detail
    )
    session.add(entry)
    return entry


def recent(session: Session, limit: int = 200, offset: int = 0) -> List[AuditEntry]:
    """Newest first."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
    return list(session.execute(query).scalars())
