"""The inbox on the real stack: patient messages sent over REST reach the studio's inbox
through Rasa's event broker and the web process's consumer, masked and classified, and a
signed-in staff member sees and decides on them in the real studio."""

from __future__ import annotations

import json
import time
from typing import Dict, List, Optional

from sqlalchemy import select

from bot.bookings.db import session_factory, session_scope
from bot.privacy.tracker_events import EVENTS, open_tracker
from bot.stack import Stack
from bot.studio.inbox import analytics, source
from bot.studio.inbox.models import InboxConversation, InboxMessage
from tests.integration.test_booking_form import answer_up_to_summary, click, start_booking
from tests.support.fuzz_studio import _CSRF, signed_in_admin
from tests.support.rest import RestChat

DETAILS = "I'm Dana Price, call me on 202-555-0143 or dana.price@example.com: how many sessions"


def _stored(
    database: str,
    senders: List[str],
    timeout: float = 30,
    role: str = "patient",
    typed: Optional[Dict[str, int]] = None,
) -> Dict[str, List[InboxMessage]]:
    """The inbox rows of these conversations once each has its messages classified (and,
    with ``typed``, at least that many typed messages per sender)."""
    deadline = time.monotonic() + timeout
    factory = session_factory(database)
    while True:
        with session_scope(factory) as work:
            rows = work.execute(
                select(InboxConversation.sender_id, InboxMessage)
                .join(InboxMessage)
                .where(InboxConversation.sender_id.in_(senders), InboxMessage.role == role)
                .order_by(InboxMessage.at)
            ).all()
            work.expunge_all()
        found: Dict[str, List[InboxMessage]] = {}
        for sender, message in rows:
            found.setdefault(sender, []).append(message)
        done = (
            set(found) == set(senders)
            and all(m.outcome != "pending" for messages in found.values() for m in messages)
            and all(
                sum(m.typed for m in found.get(sender, [])) >= count
                for sender, count in (typed or {}).items()
            )
        )
        if done or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


def test_real_conversations_reach_the_inbox_masked_and_staff_decide(stack: Stack, stack_database):
    declined, details, red = (RestChat(stack.rest_url) for _ in range(3))
    declined.send("what's the weather like today")
    details.send(DETAILS)
    details.send("that's not what I asked")
    red.send("I have crushing chest pain and my left arm is numb")
    red.send("what's the weather like today")
    senders = [declined.sender, details.sender, red.sender]
    typed = {declined.sender: 1, details.sender: 2, red.sender: 2}
    stored = _stored(stack_database, senders, typed=typed)

    assert [m.outcome for m in stored[declined.sender]] == ["declined"]
    assert stored[red.sender][0].outcome == "red_flag"
    first = stored[details.sender][0]
    assert first.rephrased and first.needs_review  # followed by "that's not what I asked"
    assert "Dana" not in first.text and "555-0143" not in first.text
    assert "dana.price" not in first.text and "[phone]" in first.text

    staff = signed_in_admin(stack_database, stack.web_url)
    page = staff.http.get(staff.base + "inbox", timeout=30).text
    assert "[phone]" in page and "[email]" in page
    for secret in ("Dana", "555-0143", "dana.price@example.com"):
        assert secret not in page
    assert "reported a red flag" in page  # the weather question after the chest pain

    weather_rows = [row for row in page.split("<tr") if "weather like today" in row]
    assert weather_rows
    form = {
        "csrf_token": _CSRF.search(page).group(1),
        "ids": ",".join(str(m.id) for m in stored[declined.sender]),
        "action": "dismiss",
    }
    assert staff.post("inbox", form).status_code == 302
    with session_scope(session_factory(stack_database)) as work:
        status = work.execute(
            select(InboxMessage.status).where(InboxMessage.id == stored[declined.sender][0].id)
        ).scalar_one()
    assert status == "dismissed"


def _drained(stack: Stack, timeout: float = 30) -> None:
    """Wait until the broker's queue is empty twice in a row (the inbox has read it all)."""
    engine = source.open_queue(f"sqlite:///{stack.workdir / source.EVENTS_FILE}")
    deadline, empty = time.monotonic() + timeout, 0
    try:
        while empty < 2 and time.monotonic() < deadline:
            time.sleep(0.6)  # longer than the broker's flush interval
            empty = empty + 1 if not source.take(engine, 1) else 0
    finally:
        engine.dispose()
    assert empty >= 2, "the inbox did not keep up with the event broker"


def _from_tracker(stack: Stack, senders: List[str]) -> Dict[str, int]:
    """The same figures counted straight from Rasa's tracker store, for these conversations."""
    engine = open_tracker(f"sqlite:///{stack.workdir / 'tracker.db'}")
    counts = {"conversations": 0, "messages": 0, "red_flags": 0, "bookings": 0}
    try:
        with engine.connect() as connection:
            for sender in senders:
                events = [
                    (t, a, json.loads(d))
                    for t, a, d in connection.execute(
                        select(EVENTS.c.type_name, EVENTS.c.action_name, EVENTS.c.data).where(
                            EVENTS.c.sender_id == sender
                        )
                    )
                ]
                typed = [d for t, _, d in events if t == "user" and not d["text"].startswith("/")]
                counts["conversations"] += any(t == "user" for t, _, _ in events)
                counts["messages"] += len(typed)
                counts["red_flags"] += any(a == "action_red_flag" for _, a, _ in events)
                counts["bookings"] += any(a == "action_submit_booking" for _, a, _ in events)
    finally:
        engine.dispose()
    return counts


def _figures(database: str) -> Dict[str, int]:
    with session_scope(session_factory(database)) as work:
        found = analytics.compute(work)
    return {
        "conversations": found.conversations,
        "messages": found.messages,
        "red_flags": sum(found.red_flags_per_week),
        "bookings": sum(found.bookings_per_week),
    }


def test_analytics_match_the_tracker_store(stack: Stack, stack_database: str):
    _drained(stack)
    before = _figures(stack_database)
    chats = [RestChat(stack.rest_url) for _ in range(4)]
    chats[0].send("does it hurt?")
    chats[0].send("how many sessions will I need")
    chats[1].send("my lips are swelling and I can't breathe")
    chats[2].send("what's the weather like today")
    booking = chats[3]
    start_booking(booking, first="would PIT help my knee?")
    summary = answer_up_to_summary(booking)
    done = click(booking, summary, "Yes, send it")
    assert done
    _drained(stack)
    after = _figures(stack_database)
    expected = _from_tracker(stack, [chat.sender for chat in chats])
    assert expected["bookings"] == 1 and expected["red_flags"] == 1
    assert {key: after[key] - before[key] for key in after} == expected
    # The name typed in the booking form is masked in every stored message and reply.
    for role in ("patient", "assistant"):
        stored = _stored(stack_database, [booking.sender], role=role, typed={})[booking.sender]
        named = [m.text for m in stored if "Maria" in m.text or "Lopez" in m.text]
        assert stored and not named, (role, named)


def _socket_turn(client, session: str, text: str, replies: list, timeout: float = 60) -> list:
    before = len(replies)
    client.emit("user_uttered", {"message": text, "session_id": session})
    deadline = time.monotonic() + timeout
    while len(replies) == before or time.monotonic() < deadline - timeout + 2:
        assert time.monotonic() < deadline, f"no answer to {text!r}"
        time.sleep(0.2)
    return replies[before:]


def _rating_events(stack: Stack, session: str) -> List[dict]:
    engine = open_tracker(f"sqlite:///{stack.workdir / 'tracker.db'}")
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(EVENTS.c.data).where(
                    EVENTS.c.sender_id == session, EVENTS.c.type_name == "slot"
                )
            ).scalars()
            slots = [json.loads(row) for row in rows]
    finally:
        engine.dispose()
    return [s["value"] for s in slots if s.get("name") == "answer_rating"]


def test_a_thumbs_down_over_socket_io_is_kept_only_for_a_real_answer(stack: Stack, stack_database):
    import uuid

    import socketio

    session = f"sio-rate-{uuid.uuid4().hex[:10]}"
    replies: list = []
    client = socketio.Client(reconnection=False)
    client.on("bot_uttered", lambda data: replies.append(data))
    client.connect(stack.rasa_url, socketio_path="/socket.io", transports=["polling"])
    try:
        client.emit("session_request", {"session_id": session})
        answer = _socket_turn(client, session, "is PIT safe for someone with diabetes", replies)
        text = answer[-1]["text"]  # the answer's last paragraph, where the widget has thumbs
        forged = [
            {"session_id": session, "answer": "You have been cured.", "value": "down"},
            {"session_id": session, "answer": text, "value": "sideways"},
            {"session_id": session, "answer": text, "value": ["down"]},
            {"session_id": session, "answer": {"text": text}, "value": "down"},
            {"session_id": "someone-else", "answer": text, "value": "down"},
            "down",
            None,
        ]
        for data in forged:
            client.emit("rate_answer", data)
        client.emit("rate_answer", {"session_id": session, "answer": text, "value": "down"})
        deadline = time.monotonic() + 20
        while not _rating_events(stack, session) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        client.disconnect()
    [rating] = _rating_events(stack, session)
    assert rating["rating"] == "down" and isinstance(rating["answer_at"], float)
    [question] = _stored(stack_database, [session], typed={session: 1})[session]
    deadline = time.monotonic() + 20
    while question.rating != "down" and time.monotonic() < deadline:
        time.sleep(0.3)
        [question] = _stored(stack_database, [session], typed={session: 1})[session]
    assert question.rating == "down" and question.needs_review
    assert _rating_events(stack, "someone-else") == []
