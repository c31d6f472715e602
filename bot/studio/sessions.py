"""Server-side sign-in sessions with an idle timeout.

The browser's cookie carries a random token; the database keeps only its SHA-256.
A session ends when it has been idle longer than the timeout, when its user signs
out, or when an admin disables the account or sets a new password.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Optional, Tuple

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.bookings.models import utcnow
from bot.studio.models import StaffSession, StaffUser

DEFAULT_IDLE_TIMEOUT = timedelta(minutes=30)
# Writing last_seen on every click is needless load: once a minute is precise enough.
TOUCH_INTERVAL = timedelta(seconds=60)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(session: Session, user: StaffUser, now: Optional[datetime] = None) -> str:
    """A new session for ``user``; returns the token for the cookie (never stored)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session.add(
        StaffSession(token_hash=_digest(token), user_id=user.id, created_at=now, last_seen_at=now)
    )
    return token


def resume_session(
    session: Session,
    token: Optional[str],
    idle_timeout: timedelta = DEFAULT_IDLE_TIMEOUT,
    now: Optional[datetime] = None,
) -> Tuple[Optional[StaffUser], bool]:
    """(user, expired): the signed-in active user, or None; expired sessions are deleted."""
    if not token:
        return None, False
    now = now or utcnow()
    row = session.execute(
        select(StaffSession).where(StaffSession.token_hash == _digest(token))
    ).scalar_one_or_none()
    if row is None:
        return None, False
    if now - row.last_seen_at > idle_timeout:
        session.delete(row)
        return None, True
    user = session.get(StaffUser, row.user_id)
    if user is None or not user.active:
        session.delete(row)
        return None, False
    if now - row.last_seen_at > TOUCH_INTERVAL:
        row.last_seen_at = now
    return user, False


def end_session(session: Session, token: Optional[str]) -> None:
    if token:
        session.execute(delete(StaffSession).where(StaffSession.token_hash == _digest(token)))


def end_all_sessions(session: Session, user: StaffUser) -> None:
    session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
