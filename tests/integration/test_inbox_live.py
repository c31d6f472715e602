"""The inbox on the real stack: patient messages sent over REST reach the studio's inbox
through Rasa's event broker and the web process's consumer, masked and classified, and a
signed-in staff member sees and decides on them in the real studio."""

from __future__ import annotations

import time
from typing import Dict, List

from sqlalchemy import select

from bot.bookings.db import session_factory, session_scope
from bot.stack import Stack
from bot.studio.inbox.models import InboxConversation, InboxMessage
from tests.support.fuzz_studio import _CSRF, signed_in_admin
from tests.support.rest import RestChat

DETAILS = "I'm Dana Price, call me on 202-555-0143 or dana.price@example.com: how many sessions"


def _stored(
    database: str, senders: List[str], timeout: float = 30
) -> Dict[str, List[InboxMessage]]:
    """The inbox rows of these conversations once each has its messages classified."""
    deadline = time.monotonic() + timeout
    factory = session_factory(database)
    while True:
        with session_scope(factory) as work:
            rows = work.execute(
                select(InboxConversation.sender_id, InboxMessage)
                .join(InboxMessage)
                .where(InboxConversation.sender_id.in_(senders))
                .order_by(InboxMessage.at)
            ).all()
            work.expunge_all()
        found: Dict[str, List[InboxMessage]] = {}
        for sender, message in rows:
            found.setdefault(sender, []).append(message)
        done = set(found) == set(senders) and all(
            m.outcome != "pending" for messages in found.values() for m in messages
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
    stored = _stored(stack_database, [declined.sender, details.sender, red.sender])

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
