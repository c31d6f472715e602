"""A patient's data as one JSON document (right of access, GDPR art. 15 / HIPAA).

Everything the assistant keeps that names them: their booking and call-back requests,
each with its outbox rows (what was sent to the clinic, when, and how it went), their
conversations (every event, in order) and the messaging channels' state. The document
is stable: keys sorted, times in ISO 8601 UTC, lists in a fixed order, so two exports of
the same data are identical apart from ``export.generated_at``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Dict, List, Optional

from bot.bookings import repository
from bot.bookings.db import session_scope
from bot.bookings.models import BookingRequest, iso_utc, utcnow
from bot.privacy import channel_records, tracker_events
from bot.privacy.contact import Contact
from bot.privacy.stores import Stores

FORMAT_VERSION = 1


def _request(request: BookingRequest) -> Dict[str, Any]:
    data = request.snapshot()
    data["status"] = request.status
    data["updated_at"] = iso_utc(request.updated_at)
    data["outbox"] = [
        {
            "adapter": d.adapter,
            "status": d.status,
            "attempts": d.attempts,
            "created_at": iso_utc(d.created_at),
            "next_attempt_at": iso_utc(d.next_attempt_at),
            "delivered_at": iso_utc(d.delivered_at),
            "last_error": d.last_error,
            "payload": d.payload,
        }
        for d in request.deliveries
    ]
    return data


def export_contact(
    stores: Stores, contact: Contact, now: Optional[datetime] = None
) -> Dict[str, Any]:
    """Everything stored about ``contact``, as JSON-ready data."""
    with session_scope(stores.sessions) as session:
        requests = repository.requests_by_contact(
            session, contact.phone, contact.email, contact.region
        )
        booking_requests = [_request(r) for r in requests]
        linked = {r.conversation_id for r in requests if r.conversation_id}
    conversations: List[Dict[str, Any]] = []
    if stores.tracker is not None:
        with stores.tracker.connect() as connection:
            found = tracker_events.find_conversations(connection, contact, linked)
            events = tracker_events.conversation_events(connection, found)
        conversations = [
            {"conversation_id": sender, "found_by": found[sender], "events": events.get(sender, [])}
            for sender in sorted(found)
        ]
    with session_scope(stores.sessions) as session:
        keys = channel_records.user_keys(contact, [c["conversation_id"] for c in conversations])
        channels = channel_records.export(session, keys)
    return {
        "export": {
            "format_version": FORMAT_VERSION,
            "generated_at": iso_utc(now or utcnow()),
            "contact": {"kind": contact.kind, "value": contact.value},
            "contents": "booking requests with their outbox rows, conversations (tracker "
            "store events), messaging-channel state",
            "conversations_searched": stores.tracker is not None,
            "counts": {
                "booking_requests": len(booking_requests),
                "outbox_rows": sum(len(r["outbox"]) for r in booking_requests),
                "conversations": len(conversations),
                "conversation_events": sum(len(c["events"]) for c in conversations),
                "channel_records": len(channels),
            },
        },
        "booking_requests": booking_requests,
        "conversations": conversations,
        "channel_records": channels,
    }


def to_json(document: Dict[str, Any]) -> str:
    """The export as text: sorted keys, two-space indent, non-ASCII kept readable."""
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
