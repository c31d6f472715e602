"""Right to erasure: remove everything the assistant keeps about one patient.

Order matters because the two databases cannot share a transaction: conversations go
first, then channel rows and booking requests together (with an audit-log entry that
names no patient). If the command stops half-way, running it again finds the rest: the
booking requests, which link to conversations, are the last thing deleted.
A conversation still going on in the chat can get new events after this; erase again
once it has ended.
"""

from __future__ import annotations

from typing import Dict, List, Set, Tuple

from bot.bookings import repository
from bot.bookings.db import session_scope
from bot.privacy import channel_records, inbox_records, tracker_events
from bot.privacy.contact import Contact
from bot.privacy.stores import Stores
from bot.studio import audit

# What is counted, in the order it is printed, with the words staff read.
PLACES: Tuple[Tuple[str, str], ...] = (
    ("booking_requests", "booking requests"),
    ("outbox_rows", "outbox (delivery) rows"),
    ("conversations", "conversations"),
    ("conversation_events", "conversation events"),
    ("channel_offers", "messaging-channel button offers"),
    ("channel_contacts", "messaging-channel contacts"),
    ("inbox_messages", "staff-inbox messages (masked)"),
)


def describe(counts: Dict[str, int]) -> List[str]:
    """One line per place, e.g. ``2 booking requests``."""
    return [f"{counts.get(name, 0)} {words}" for name, words in PLACES]


def _requests(stores: Stores, contact: Contact) -> Tuple[int, int, Set[str]]:
    with session_scope(stores.sessions) as session:
        requests = repository.requests_by_contact(
            session, contact.phone, contact.email, contact.region
        )
        return (
            len(requests),
            sum(len(r.deliveries) for r in requests),
            {r.conversation_id for r in requests if r.conversation_id},
        )


def _conversations(stores: Stores, contact: Contact, linked: Set[str]) -> List[str]:
    if stores.tracker is None:
        return []
    with stores.tracker.connect() as connection:
        return list(tracker_events.find_conversations(connection, contact, linked))


def survey(stores: Stores, contact: Contact) -> Dict[str, int]:
    """What :func:`erase_contact` would remove, per place; nothing is changed."""
    requests, outbox, linked = _requests(stores, contact)
    senders = _conversations(stores, contact, linked)
    events = 0
    if stores.tracker is not None:
        with stores.tracker.connect() as connection:
            events = tracker_events.count_events(connection, senders)
    with session_scope(stores.sessions) as session:
        channels = channel_records.count(session, channel_records.user_keys(contact, senders))
        inbox = inbox_records.count(session, senders)
    return {
        "booking_requests": requests,
        "outbox_rows": outbox,
        "conversations": len(senders),
        "conversation_events": events,
        **channels,
        **inbox,
    }


def erase_contact(stores: Stores, contact: Contact, actor: str) -> Dict[str, int]:
    """Delete the patient's data everywhere; returns what was removed, per place."""
    _, _, linked = _requests(stores, contact)
    senders = _conversations(stores, contact, linked)
    events = 0
    if stores.tracker is not None and senders:
        with stores.tracker.begin() as connection:
            events = tracker_events.delete_conversations(connection, senders)
    with session_scope(stores.sessions) as session:
        channels = channel_records.erase(session, channel_records.user_keys(contact, senders))
        inbox = inbox_records.erase(session, senders)
        current = repository.requests_by_contact(
            session, contact.phone, contact.email, contact.region
        )
        outbox = sum(len(r.deliveries) for r in current)
        requests = repository.erase_by_contact(
            session, contact.phone, contact.email, contact.region
        )
        removed = {
            "booking_requests": requests,
            "outbox_rows": outbox,
            "conversations": len(senders),
            "conversation_events": events,
            **channels,
            **inbox,
        }
        if any(removed.values()):
            summary = ", ".join(f"{name}={removed[name]}" for name, _ in PLACES)
            # The contact itself is not recorded: the log would keep what was erased.
            audit.record(session, actor, "privacy.erase", f"a {contact.kind}", detail=summary)
    return removed
