"""Channel state in the assistant's database: dedupe, opt-outs, 24-hour window, button offers.

Everything is keyed by a hash of the provider's ids (see :func:`key`), so the rows
hold no phone numbers or chat ids. Calls are short synchronous transactions; the
webhook handlers run them in a worker thread so the server's event loop never waits
on the database.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import List, Optional, Sequence

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.bookings.db import session_factory, session_scope
from bot.bookings.models import utcnow
from bot.channels.models import ChannelContact, ChannelDelivery, ChannelOffer

TOKEN_BYTES = 4  # 8 hex characters: short enough for Telegram's 64-byte callback_data


def key(*parts: str) -> str:
    """A stable hash of a provider id (same id, same key; the id itself is not stored).

    ``surrogatepass``: a JSON delivery may carry a lone surrogate (``"\\ud800"``) in an id,
    which strict UTF-8 cannot encode; it once turned a signed delivery into a 500.
    """
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Offer:
    """Buttons we sent: ``token`` names them in callbacks, ``payloads`` are in display order."""

    token: str
    payloads: List[str]
    numbered: bool

    def payload(self, index: int) -> Optional[str]:
        return self.payloads[index] if 0 <= index < len(self.payloads) else None


class ChannelStore:
    """The channel tables of one database (default: the assistant's, see bot/bookings/db.py)."""

    def __init__(self, url: Optional[str] = None) -> None:
        self._url = url
        self._factory: Optional[sessionmaker] = None

    def _sessions(self) -> sessionmaker:
        if self._factory is None:
            self._factory = session_factory(self._url)
        return self._factory

    # --- dedupe -------------------------------------------------------------------------
    def first_delivery(self, channel: str, delivery_id: str) -> bool:
        """True the first time a delivery id is seen; False for a provider's retry."""
        try:
            with session_scope(self._sessions()) as session:
                session.add(ChannelDelivery(channel=channel, delivery_key=key(delivery_id)))
        except IntegrityError:
            return False
        return True

    def forget_deliveries(self, older_than: timedelta) -> int:
        """Delete dedupe rows older than the providers' retry windows."""
        with session_scope(self._sessions()) as session:
            result = session.execute(
                delete(ChannelDelivery).where(ChannelDelivery.received_at < utcnow() - older_than)
            )
            return int(result.rowcount or 0)

    # --- contacts: opt-out and last inbound message ----------------------------------------
    def _contact(self, session: Session, channel: str, user_id: str) -> ChannelContact:
        contact = session.get(ChannelContact, (channel, key(channel, user_id)))
        if contact is None:
            contact = ChannelContact(channel=channel, user_key=key(channel, user_id))
            session.add(contact)
        return contact

    def _update(self, channel: str, user_id: str, **values: Optional[datetime]) -> None:
        for attempt in range(2):  # two replicas may create the same contact at once
            try:
                with session_scope(self._sessions()) as session:
                    contact = self._contact(session, channel, user_id)
                    for name, value in values.items():
                        setattr(contact, name, value)
                return
            except IntegrityError:
                if attempt:
                    raise

    def record_inbound(self, channel: str, user_id: str, at: Optional[datetime] = None) -> None:
        self._update(channel, user_id, last_inbound_at=at or utcnow())

    def last_inbound(self, channel: str, user_id: str) -> Optional[datetime]:
        with session_scope(self._sessions()) as session:
            contact = session.get(ChannelContact, (channel, key(channel, user_id)))
            return contact.last_inbound_at if contact else None

    def set_opted_out(self, channel: str, user_id: str, opted_out: bool) -> None:
        self._update(channel, user_id, opted_out_at=utcnow() if opted_out else None)

    def opted_out(self, channel: str, user_id: str) -> bool:
        with session_scope(self._sessions()) as session:
            contact = session.get(ChannelContact, (channel, key(channel, user_id)))
            return bool(contact and contact.opted_out_at)

    # --- button offers --------------------------------------------------------------------
    def save_offer(
        self, channel: str, user_id: str, payloads: Sequence[str], numbered: bool
    ) -> Offer:
        """Store buttons we are about to send; returns the offer with its short token."""
        for attempt in range(3):
            token = secrets.token_hex(TOKEN_BYTES)
            try:
                with session_scope(self._sessions()) as session:
                    session.add(
                        ChannelOffer(
                            channel=channel,
                            user_key=key(channel, user_id),
                            token=token,
                            payloads=list(payloads),
                            numbered=numbered,
                        )
                    )
                return Offer(token, list(payloads), numbered)
            except IntegrityError:  # the same token twice: astronomically rare, try another
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def offer(self, channel: str, user_id: str, token: str) -> Optional[Offer]:
        """An offer this user was sent (a token from another user's chat finds nothing)."""
        with session_scope(self._sessions()) as session:
            row = session.execute(
                select(ChannelOffer).where(
                    ChannelOffer.channel == channel,
                    ChannelOffer.user_key == key(channel, user_id),
                    ChannelOffer.token == token,
                )
            ).scalar_one_or_none()
            return Offer(row.token, list(row.payloads), row.numbered) if row else None

    def latest_offer(self, channel: str, user_id: str) -> Optional[Offer]:
        """The buttons of the last reply to this user (None if that reply had none)."""
        with session_scope(self._sessions()) as session:
            row = session.execute(
                select(ChannelOffer)
                .where(
                    ChannelOffer.channel == channel,
                    ChannelOffer.user_key == key(channel, user_id),
                )
                .order_by(ChannelOffer.id.desc())
                .limit(1)
            ).scalar_one_or_none()
            if row is None or not row.payloads:
                return None
            return Offer(row.token, list(row.payloads), row.numbered)
