"""Inbox tables: one row per conversation and per message (the patient's, and the
assistant's replies for the transcript), text already masked.

The patient's sender id is kept only to erase or purge a conversation with the rest of
the patient's data (bot/privacy); pages never show it. Changing a table? Add an Alembic
revision in ``migrations/versions`` as well.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import relationship

from bot.studio.models import StudioBase

# How the assistant handled a message, from the actions and replies that followed it.
OUTCOMES = ("pending", "answered", "declined", "did_you_mean", "fallback", "red_flag")
# What staff decided; "open" is waiting for a look.
STATUSES = ("open", "assigned", "out_of_scope", "new_topic", "dismissed")


class InboxConversation(StudioBase):
    __tablename__ = "inbox_conversations"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False, unique=True)
    channel = Column(String(64), nullable=False, default="")
    started_at = Column(Float, nullable=False)  # Rasa's event timestamps (seconds, UTC)
    start_day = Column(Integer, nullable=False, index=True)  # days since 1970-01-01 (UTC)
    last_at = Column(Float, nullable=False, index=True)
    red_flag = Column(Boolean, nullable=False, default=False)
    booking = Column(Boolean, nullable=False, default=False)  # a booking request was sent
    callback = Column(Boolean, nullable=False, default=False)  # a call-back request was sent
    messages = relationship(
        "InboxMessage",
        back_populates="conversation",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="InboxMessage.at",
    )


class InboxMessage(StudioBase):
    __tablename__ = "inbox_messages"
    __table_args__ = (
        Index("ix_inbox_messages_review", "status", "needs_review", "at"),
        Index("ix_inbox_messages_day", "day", "role"),
        CheckConstraint("role IN ('patient', 'assistant')", name="role"),
        CheckConstraint(
            "outcome IN ('pending', 'answered', 'declined', 'did_you_mean', 'fallback', "
            "'red_flag')",
            name="outcome",
        ),
        CheckConstraint(
            "status IN ('open', 'assigned', 'out_of_scope', 'new_topic', 'dismissed')",
            name="status",
        ),
    )

    id = Column(Integer, primary_key=True)
    conversation_id = Column(
        Integer,
        ForeignKey("inbox_conversations.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    message_id = Column(String(64), nullable=False, unique=True)
    role = Column(String(16), nullable=False, default="patient")  # or the assistant's reply
    at = Column(Float, nullable=False)
    day = Column(Integer, nullable=False)  # days since 1970-01-01 (UTC), for per-day figures
    text = Column(Text, nullable=False)  # masked
    typed = Column(Boolean, nullable=False, default=True)  # False: a button's payload
    intent = Column(String(100), nullable=False, default="")
    topic = Column(String(120), nullable=False, default="")  # faq/<topic> or the intent
    confidence = Column(Float, nullable=False, default=0.0)
    outcome = Column(String(16), nullable=False, default="pending")
    low_confidence = Column(Boolean, nullable=False, default=False)
    rephrased = Column(Boolean, nullable=False, default=False)
    # The patient's thumbs under an answer: on the answer, and "down" also on the question.
    rating = Column(String(8), nullable=False, default="")
    needs_review = Column(Boolean, nullable=False, default=False)
    status = Column(String(16), nullable=False, default="open")
    resolution = Column(String(120), nullable=False, default="")
    resolved_by = Column(String(64), nullable=True)
    conversation = relationship("InboxConversation", back_populates="messages")
