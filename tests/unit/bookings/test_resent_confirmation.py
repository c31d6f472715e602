"""A confirmation sent again to a conversation still at the summary stores nothing twice.

Why: behind a load balancer, a Rasa server can die after the action server stored the
request but before the conversation was saved; the patient's "yes, send it" is then sent
again (to the other replica) on a tracker that still shows the summary.
"""

from __future__ import annotations

import datetime as dt

from actions.booking.submit import form_started_at
from bot.bookings import repository
from bot.bookings.db import session_scope
from bot.bookings.service import submit_request
from tests.support.booking_data import details, make_settings

MINUTE = dt.timedelta(minutes=1)
SETTINGS = make_settings({"handoff": ["link"]})


def _stored(factory) -> list:
    with session_scope(factory) as session:
        return [(r.reference, r.conversation_id) for r in repository.list_requests(session)]


def test_the_same_request_resent_within_its_form_is_returned_not_stored_again(factory, now):
    request = details(conversation_id="c-1")
    first = submit_request(
        request, settings=SETTINGS, factory=factory, now=now, form_started_at=now - 5 * MINUTE
    )
    again = submit_request(
        request,
        settings=SETTINGS,
        factory=factory,
        now=now + MINUTE,
        form_started_at=now - 5 * MINUTE,
    )
    assert again.reference == first.reference and again.request_id == first.request_id
    assert _stored(factory) == [(first.reference, "c-1")]


def test_a_new_form_in_the_same_conversation_is_a_new_request(factory, now):
    request = details(conversation_id="c-1")
    first = submit_request(
        request, settings=SETTINGS, factory=factory, now=now, form_started_at=now - MINUTE
    )
    second = submit_request(
        request,
        settings=SETTINGS,
        factory=factory,
        now=now + 10 * MINUTE,
        form_started_at=now + 5 * MINUTE,
    )
    assert second.reference != first.reference and len(_stored(factory)) == 2


def test_other_details_or_another_conversation_are_other_requests(factory, now):
    for request in (
        details(conversation_id="c-1"),
        details(conversation_id="c-1", name="Ana Ruiz"),
        details(conversation_id="c-2"),
    ):
        submit_request(
            request, settings=SETTINGS, factory=factory, now=now, form_started_at=now - MINUTE
        )
    assert len(_stored(factory)) == 3


def test_the_form_start_is_its_latest_activation_in_the_tracker():
    events = [
        {"event": "active_loop", "name": "booking_form", "timestamp": 100.0},
        {"event": "active_loop", "name": None, "timestamp": 200.0},
        {"event": "active_loop", "name": "callback_form", "timestamp": 250.0},
        {"event": "active_loop", "name": "booking_form", "timestamp": 300.0},
        {"event": "user", "text": "yes, send it", "timestamp": 400.0},
    ]
    assert form_started_at(events, "booking_form") == dt.datetime.fromtimestamp(
        300.0, dt.timezone.utc
    )
    assert form_started_at(events, "callback_form") == dt.datetime.fromtimestamp(
        250.0, dt.timezone.utc
    )
    assert form_started_at(events[:1], "callback_form") is None
