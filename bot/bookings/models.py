"""Database tables for booking / call-back requests and their outgoing deliveries.

A request and one ``Delivery`` row per hand-off channel are written in the same
transaction (the "outbox"), so a request is never stored without the work of
passing it on, and that work survives restarts. Timestamps are always UTC and
timezone-aware in Python, on SQLite as well as PostgreSQL.

Changing a table? Add an Alembic revision in ``migrations/versions`` too; the
test ``test_migrations_match_models`` fails until both agree.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import declarative_base, relationship
from sqlalchemy.types import TypeDecorator

from bot.bookings.constants import DELIVERY_STATUSES, KINDS, PATIENT_TYPES, REQUEST_STATUSES

# Stable constraint names, so migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)
Base: Any = declarative_base(metadata=metadata)  # SQLAlchemy 1.4 ships no types


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in and out; naive values are refused (they hide bugs)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("timestamps must be timezone-aware")
        value = value.astimezone(timezone.utc)
        # SQLite has no time zone type: store naive UTC text that sorts correctly.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def _one_of(column: str, values: tuple, name: str, nullable: bool = False) -> CheckConstraint:
    allowed = ", ".join(f"'{v}'" for v in values)
    sql = f"{column} IN ({allowed})"
    return CheckConstraint(f"{column} IS NULL OR {sql}" if nullable else sql, name=name)


class BookingRequest(Base):
    """What a patient asked for: a booking, or a call back from the clinic."""

    __tablename__ = "booking_requests"
    __table_args__ = (
        _one_of("kind", KINDS, "kind"),
        _one_of("status", REQUEST_STATUSES, "status"),
        _one_of("patient_type", PATIENT_TYPES, "patient_type", nullable=True),
        CheckConstraint("phone IS NOT NULL OR email IS NOT NULL", name="contact"),
        Index("ix_booking_requests_created_at", "created_at"),
        Index("ix_booking_requests_phone", "phone"),
        Index("ix_booking_requests_email", "email"),
    )

    id = Column(Integer, primary_key=True)  # internal only: patients and staff see `reference`
    reference = Column(String(16), nullable=False, unique=True)
    kind = Column(String(16), nullable=False)
    status = Column(String(16), nullable=False, default="new")
    name = Column(String(100), nullable=False)
    phone = Column(String(20), nullable=True)
    email = Column(String(254), nullable=True)
    pain_area = Column(Text, nullable=True)
    patient_type = Column(String(16), nullable=True)
    preferred_times = Column(Text, nullable=True)
    consent_at = Column(UTCDateTime(), nullable=False)
    channel = Column(String(40), nullable=False)
    conversation_id = Column(String(255), nullable=True)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow)

    deliveries: List["Delivery"] = relationship(
        "Delivery",
        back_populates="request",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
        order_by="Delivery.id",
    )

    def snapshot(self) -> Dict[str, Any]:
        """The request as JSON-ready data (what hand-off channels receive)."""
        return {
            "reference": self.reference,
            "kind": self.kind,
            "name": self.name,
            "phone": self.phone,
            "email": self.email,
            "pain_area": self.pain_area,
            "patient_type": self.patient_type,
            "preferred_times": self.preferred_times,
            "consent_at": iso_utc(self.consent_at),
            "channel": self.channel,
            "conversation_id": self.conversation_id,
            "created_at": iso_utc(self.created_at),
        }


class Delivery(Base):
    """One outbox row: passing one request on through one hand-off channel."""

    __tablename__ = "booking_deliveries"
    __table_args__ = (
        _one_of("status", DELIVERY_STATUSES, "status"),
        Index("ix_booking_deliveries_due", "status", "next_attempt_at"),
        Index("ix_booking_deliveries_request_id", "request_id"),
    )

    id = Column(Integer, primary_key=True)
    request_id = Column(
        Integer, ForeignKey("booking_requests.id", ondelete="CASCADE"), nullable=False
    )
    adapter = Column(String(32), nullable=False)
    idempotency_key = Column(String(64), nullable=False, unique=True)
    payload = Column(JSON, nullable=False)
    status = Column(String(16), nullable=False, default="pending")
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(UTCDateTime(), nullable=True)
    last_error = Column(String(300), nullable=True)
    delivered_at = Column(UTCDateTime(), nullable=True)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow)

    request = relationship("BookingRequest", back_populates="deliveries")


# Name used in the brief and by other modules: the delivery table is the outbox.
OutboxMessage = Delivery


def iso_utc(value: Optional[datetime]) -> Optional[str]:
    """ISO 8601 in UTC with a Z (``2026-11-30T09:15:00Z``): payloads and exports."""
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z") if value else None
