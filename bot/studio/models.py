"""Studio tables: staff accounts, their sign-in sessions, the audit log and answer versions.

Passwords are stored only as argon2 hashes; sessions only as a SHA-256 of the
cookie's token, so a copy of the database cannot be replayed as a sign-in.
Changing a table? Add an Alembic revision in ``migrations/versions`` as well.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base

from bot.bookings.models import NAMING_CONVENTION, UTCDateTime, utcnow

ROLES = ("editor", "publisher", "admin")  # each role may do everything the one before may

studio_metadata = MetaData(naming_convention=NAMING_CONVENTION)
StudioBase: Any = declarative_base(metadata=studio_metadata)  # SQLAlchemy 1.4: no types


class StaffUser(StudioBase):
    __tablename__ = "staff_users"
    __table_args__ = (CheckConstraint("role IN ('editor', 'publisher', 'admin')", name="role"),)

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True)
    role = Column(String(16), nullable=False)
    password_hash = Column(String(255), nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    failed_sign_ins = Column(Integer, nullable=False, default=0)
    locked_until = Column(UTCDateTime(), nullable=True)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    last_sign_in_at = Column(UTCDateTime(), nullable=True)

    def public(self) -> dict:
        """What the audit log may record about an account (never the hash)."""
        return {"username": self.username, "role": self.role, "active": bool(self.active)}


class StaffSession(StudioBase):
    __tablename__ = "staff_sessions"

    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    user_id = Column(
        Integer, ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    last_seen_at = Column(UTCDateTime(), nullable=False, default=utcnow)


class AuditEntry(StudioBase):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id = Column(Integer, primary_key=True)
    at = Column(UTCDateTime(), nullable=False, default=utcnow)
    actor = Column(String(64), nullable=False)
    action = Column(String(64), nullable=False)
    target = Column(String(200), nullable=False, default="")
    before = Column(JSON, nullable=True)
    after = Column(JSON, nullable=True)
    detail = Column(Text, nullable=True)


ANSWER_STATES = ("draft", "published")


class AnswerVersion(StudioBase):
    """One saved text of one response (``utter_...``); never changed once written.

    An editor's save is a ``draft``; a version becomes ``published`` when a publisher
    publishes it. Which version patients get is :class:`LiveAnswer`'s job, so restoring
    an earlier version is only a new pointer (and an audit entry), never a copy.
    """

    __tablename__ = "answer_versions"
    __table_args__ = (
        UniqueConstraint("response", "number"),
        CheckConstraint("state IN ('draft', 'published')", name="state"),
    )

    id = Column(Integer, primary_key=True)
    response = Column(String(200), nullable=False, index=True)
    number = Column(Integer, nullable=False)
    text = Column(Text, nullable=False)
    buttons = Column(JSON, nullable=False, default=list)
    sources = Column(JSON, nullable=False, default=list)
    last_reviewed = Column(String(10), nullable=False, default="")
    state = Column(String(16), nullable=False, default="draft")
    author = Column(String(64), nullable=False)
    note = Column(String(300), nullable=False, default="")
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)

    def content(self) -> dict:
        """What the audit log records about a version."""
        return {
            "version": self.number,
            "text": self.text,
            "buttons": list(self.buttons or []),
            "sources": list(self.sources or []),
            "last_reviewed": self.last_reviewed,
        }


class LiveAnswer(StudioBase):
    """The version patients get for a response; no row means the domain's text."""

    __tablename__ = "live_answers"

    response = Column(String(200), primary_key=True)
    version_id = Column(
        Integer, ForeignKey("answer_versions.id", ondelete="CASCADE"), nullable=False
    )
    published_by = Column(String(64), nullable=False)
    published_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    # SHA-256 of the data file as the studio last wrote or read it: a different hash on
    # disk means someone changed the file outside the studio (git pull, an editor).
    file_sha256 = Column(String(64), nullable=False, default="")


class ExampleVersion(StudioBase):
    """One saved list of a topic's example questions (drafts, and what was published).

    Published examples are written into ``data/faq/<topic>.yml``; they change what the
    assistant understands after the next retrain.
    """

    __tablename__ = "example_versions"
    __table_args__ = (
        UniqueConstraint("topic", "number"),
        CheckConstraint("state IN ('draft', 'published')", name="state"),
    )

    id = Column(Integer, primary_key=True)
    topic = Column(String(100), nullable=False, index=True)
    number = Column(Integer, nullable=False)
    examples = Column(JSON, nullable=False, default=list)
    state = Column(String(16), nullable=False, default="draft")
    author = Column(String(64), nullable=False)
    note = Column(String(300), nullable=False, default="")
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)


class NewTopic(StudioBase):
    """A topic staff created in the studio: a draft until published as a new file."""

    __tablename__ = "new_topics"
    __table_args__ = (CheckConstraint("state IN ('draft', 'published')", name="state"),)

    topic = Column(String(60), primary_key=True)
    title = Column(String(120), nullable=False)
    examples = Column(JSON, nullable=False, default=list)
    text = Column(Text, nullable=False)
    buttons = Column(JSON, nullable=False, default=list)
    sources = Column(JSON, nullable=False, default=list)
    state = Column(String(16), nullable=False, default="draft")
    author = Column(String(64), nullable=False)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    published_by = Column(String(64), nullable=True)
    published_at = Column(UTCDateTime(), nullable=True)

    def content(self) -> dict:
        return {
            "title": self.title,
            "examples": list(self.examples or []),
            "text": self.text,
            "buttons": list(self.buttons or []),
            "sources": list(self.sources or []),
        }


# The inbox's tables share this metadata (migrations and their check see one schema).
from bot.studio.inbox import models as _inbox_models  # noqa: E402,F401
from bot.studio.training import models as _training_models  # noqa: E402,F401
