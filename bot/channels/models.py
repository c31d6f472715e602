"""Database tables the messaging channels share across restarts and replicas.

They live in the assistant's one database (the booking tables' metadata, see
bot/schema.py), so a provider's retried delivery is dropped even when it reaches
another server or arrives after a restart. User ids are stored only as keyed
hashes: these tables never hold a patient's phone number or chat id.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Index, Integer, String, UniqueConstraint

from bot.bookings.models import Base, UTCDateTime, utcnow


class ChannelDelivery(Base):
    """One inbound delivery a provider made; its key is unique, so a retry fails to insert."""

    __tablename__ = "channel_deliveries"
    __table_args__ = (Index("ix_channel_deliveries_received_at", "received_at"),)

    channel = Column(String(32), primary_key=True)
    delivery_key = Column(String(64), primary_key=True)  # sha256 of the provider's id
    received_at = Column(UTCDateTime(), nullable=False, default=utcnow)


class ChannelContact(Base):
    """Per user of a channel: opted out of messages (SMS STOP), last message from them."""

    __tablename__ = "channel_contacts"

    channel = Column(String(32), primary_key=True)
    user_key = Column(String(64), primary_key=True)  # sha256 of the provider's user id
    opted_out_at = Column(UTCDateTime(), nullable=True)
    last_inbound_at = Column(UTCDateTime(), nullable=True)


class ChannelOffer(Base):
    """Buttons we sent to a user: short ids in callbacks and numbered replies map back here."""

    __tablename__ = "channel_offers"
    __table_args__ = (
        UniqueConstraint("channel", "token", name="uq_channel_offers_token"),
        Index("ix_channel_offers_user", "channel", "user_key", "id"),
    )

    id = Column(Integer, primary_key=True)
    channel = Column(String(32), nullable=False)
    user_key = Column(String(64), nullable=False)
    token = Column(String(16), nullable=False)
    payloads = Column(JSON, nullable=False)  # the button payloads, in the order shown
    numbered = Column(Boolean, nullable=False, default=False)  # shown as "Reply 1 for ..."
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)
