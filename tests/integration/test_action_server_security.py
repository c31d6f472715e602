"""The action server is private and authenticated (issue 16, item 1), with the real stack.

The exploit from the issue: one crafted POST to the action server's /webhook running
``action_submit_booking`` with invented slots (consent given, a <script> tag as the name)
stored a "delivered" request for a person who never chatted. Here it must store nothing.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Dict, Optional, Tuple

import pytest

from bot.bookings import repository
from bot.bookings.db import session_factory, session_scope
from bot.settings import get_settings
from tests.support.network import can_connect, non_loopback_addresses
from tests.support.replies import requests_of
from tests.support.rest import RestChat

pytestmark = pytest.mark.integration

FORGED_NAME = "<script>alert(1)</script> Mallory"


def forged_call(sender: str) -> Dict[str, object]:
    """A tracker for a conversation that never happened, with every form slot invented."""
    slots = {
        "request_name": FORGED_NAME,
        "request_phone": "+12025550123",
        "request_email": "mallory@example.org",
        "request_pain_area": "knee",
        "request_patient_type": "new",
        "request_times": "Monday morning",
        "request_consent": True,
        "request_confirmed": True,
        "request_consent_at": "2026-01-01T00:00:00Z",
    }
    return {
        "next_action": "action_submit_booking",
        "sender_id": sender,
        "version": "3.6.2",
        "domain": {},
        "tracker": {
            "sender_id": sender,
            "slots": slots,
            "latest_message": {"text": "hi", "intent": {"name": "affirm"}},
            "events": [],
            "latest_input_channel": "rest",
            "active_loop": {},
            "paused": False,
            "followup_action": None,
            "latest_event_time": 0,
        },
    }


def post(url: str, body: bytes, headers: Optional[Dict[str, str]] = None) -> Tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def outbox_size(stack_database: str) -> int:
    with session_scope(session_factory(stack_database)) as session:
        return repository.pending_count(session)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-secret-of-enough-length"},
        {"Authorization": "Basic bWFsbG9yeTpwYXNz"},
        {"token": "anything"},
    ],
    ids=["no secret", "wrong secret", "basic auth", "other header"],
)
def test_forged_booking_call_is_refused_and_stores_nothing(stack, stack_database, headers):
    sender = f"forged-{len(headers)}-{list(headers.values())[:1]}"
    before = outbox_size(stack_database)
    status, body = post(
        f"{stack.actions_url}/webhook", json.dumps(forged_call(sender)).encode(), headers
    )
    assert status == 401, body[:300]
    assert b"events" not in body and b"Mallory" not in body
    assert requests_of(stack_database, sender) == []
    assert outbox_size(stack_database) == before


def test_action_list_needs_the_secret_too(stack):
    status, _ = post(f"{stack.actions_url}/actions", b"", {})
    assert status in (401, 405)  # GET-only route: either way nothing is listed
    request = urllib.request.Request(f"{stack.actions_url}/actions")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401


def test_the_same_call_with_the_secret_reaches_the_action(stack, stack_database):
    """Control: the forged payload is a real exploit; only the missing secret stops it."""
    sender = "control-with-secret"
    status, body = post(
        f"{stack.actions_url}/webhook",
        json.dumps(forged_call(sender)).encode(),
        {"Authorization": f"Bearer {stack.action_token}"},
    )
    assert status == 200, body[:300]
    assert len(requests_of(stack_database, sender)) == 1


# The last one was found by fuzzing: JSON nested past Python's recursion limit was a 500.
@pytest.mark.parametrize(
    "body",
    [b"", b"null", b"[]", b'"x"', b"{", b'{"next_action": 1}', b"[" * 30_000 + b"]" * 30_000],
    ids=["empty", "null", "list", "string", "broken", "wrong-type", "nested-30000"],
)
def test_malformed_authenticated_calls_get_400_without_details(stack, body):
    status, answer = post(
        f"{stack.actions_url}/webhook", body, {"Authorization": f"Bearer {stack.action_token}"}
    )
    assert status == 400, answer
    assert b"Traceback" not in answer and b"request_body" not in answer


def test_rasa_sends_the_secret_so_conversations_still_run_actions(stack):
    """The disclosure comes from action_session_start on the action server."""
    reply = RestChat(stack.rest_url).texts("/session_start")
    assert "automated assistant" in reply and get_settings().phone in reply


def test_action_server_is_unreachable_from_other_addresses(stack):
    addresses = non_loopback_addresses()
    if not addresses:
        pytest.skip("this machine has no non-loopback address to test from")
    assert can_connect("127.0.0.1", stack.actions_port)  # it is up, on loopback
    reachable = [a for a in addresses if can_connect(a, stack.actions_port)]
    assert reachable == [], f"action server answers on {reachable}"
