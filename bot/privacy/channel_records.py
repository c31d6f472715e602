"""The messaging channels' rows about one person (bot/channels/models.py).

They hold no phone number or chat id, only a hash of the channel and the provider's
user id, so they are found by hashing the ids a patient is known by: their phone on
SMS and WhatsApp, and the user id in each of their conversations' ids ("telegram:123").
An SMS opt-out (STOP) is kept on erasure, with only its date: deleting it would let the
assistant text someone who asked it to stop.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, Iterable, List, Set, Tuple

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from bot.bookings.models import iso_utc
from bot.channels.models import ChannelContact, ChannelDelivery, ChannelOffer
from bot.channels.registry import CHANNELS
from bot.channels.store import key
from bot.privacy.contact import Contact

Keys = Set[Tuple[str, str]]  # (channel, user_key)
_CHANNEL_NAMES = frozenset(spec.name for spec in CHANNELS)


def user_keys(contact: Contact, sender_ids: Iterable[str]) -> Keys:
    """Hashed (channel, user) keys of this contact and of these conversation ids."""
    pairs = set(contact.channel_users())
    for sender_id in sender_ids:
        channel, _, user_id = sender_id.partition(":")
        if channel in _CHANNEL_NAMES and user_id:
            pairs.add((channel, user_id))
    return {(channel, key(channel, user_id)) for channel, user_id in pairs}


def _matching(model: Any, keys: Keys) -> Any:
    return or_(*[(model.channel == c) & (model.user_key == k) for c, k in sorted(keys)])


def export(session: Session, keys: Keys) -> List[Dict[str, Any]]:
    """Per channel: opt-out, last message, how many button offers are kept."""
    if not keys:
        return []
    contacts = {
        (row.channel, row.user_key): row
        for row in session.execute(select(ChannelContact).where(_matching(ChannelContact, keys)))
        .scalars()
        .all()
    }
    offers = dict(
        session.execute(
            select(ChannelOffer.channel, func.count())
            .where(_matching(ChannelOffer, keys))
            .group_by(ChannelOffer.channel)
        ).all()
    )
    records = []
    for channel in sorted({c for c, _ in contacts} | set(offers)):
        rows = [row for (c, _), row in contacts.items() if c == channel]
        opted_out = [r.opted_out_at for r in rows if r.opted_out_at]
        last = [r.last_inbound_at for r in rows if r.last_inbound_at]
        records.append(
            {
                "channel": channel,
                "opted_out_at": iso_utc(min(opted_out)) if opted_out else None,
                "last_message_at": iso_utc(max(last)) if last else None,
                "button_offers_kept": int(offers.get(channel, 0)),
            }
        )
    return records


def count(session: Session, keys: Keys) -> Dict[str, int]:
    """What :func:`erase` would delete (an opt-out is not counted: it stays)."""
    if not keys:
        return {"channel_offers": 0, "channel_contacts": 0}
    offers = session.execute(
        select(func.count()).select_from(ChannelOffer).where(_matching(ChannelOffer, keys))
    ).scalar_one()
    contacts = session.execute(
        select(func.count())
        .select_from(ChannelContact)
        .where(_matching(ChannelContact, keys), ChannelContact.opted_out_at.is_(None))
    ).scalar_one()
    return {"channel_offers": int(offers), "channel_contacts": int(contacts)}


def erase(session: Session, keys: Keys) -> Dict[str, int]:
    """Delete the offers and contacts; an opt-out keeps its row without the last-message time."""
    if not keys:
        return {"channel_offers": 0, "channel_contacts": 0}
    offers = session.execute(
        delete(ChannelOffer)
        .where(_matching(ChannelOffer, keys))
        .execution_options(synchronize_session=False)
    ).rowcount
    contacts = session.execute(
        delete(ChannelContact)
        .where(_matching(ChannelContact, keys), ChannelContact.opted_out_at.is_(None))
        .execution_options(synchronize_session=False)
    ).rowcount
    session.execute(
        update(ChannelContact)
        .where(_matching(ChannelContact, keys))
        .values(last_inbound_at=None)
        .execution_options(synchronize_session=False)
    )
    return {"channel_offers": int(offers or 0), "channel_contacts": int(contacts or 0)}


def _expired_conditions(cutoff: datetime) -> Dict[Any, Any]:
    return {
        ChannelOffer: ChannelOffer.created_at < cutoff,
        # Opt-outs are kept whatever their age (see the module docstring).
        ChannelContact: (ChannelContact.last_inbound_at < cutoff)
        & ChannelContact.opted_out_at.is_(None),
        ChannelDelivery: ChannelDelivery.received_at < cutoff,
    }


_NAMES = {
    ChannelOffer: "channel_offers",
    ChannelContact: "channel_contacts",
    ChannelDelivery: "channel_deliveries",
}


def expired(session: Session, cutoff: datetime) -> Dict[str, int]:
    return {
        _NAMES[model]: int(
            session.execute(select(func.count()).select_from(model).where(condition)).scalar_one()
        )
        for model, condition in _expired_conditions(cutoff).items()
    }


def purge_older_than(session: Session, cutoff: datetime) -> Dict[str, int]:
    """Delete channel rows last used before ``cutoff`` (opt-outs stay)."""
    return {
        _NAMES[model]: int(
            session.execute(
                delete(model).where(condition).execution_options(synchronize_session=False)
            ).rowcount
            or 0
        )
        for model, condition in _expired_conditions(cutoff).items()
    }
