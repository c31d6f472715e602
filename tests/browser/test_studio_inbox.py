"""The inbox and the analytics page in Debian's chromium, on the real stack: conversations
sent over REST appear (masked) in the inbox, and every chart renders with its table.

Screenshots go to the test's folder; set PIT_SCREENSHOT_DIR to keep them (the README's
pictures are made that way: PIT_SCREENSHOT_DIR=docs pytest tests/browser/test_studio_inbox.py).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bot.bookings.db import session_factory, session_scope
from bot.stack import Stack
from bot.studio import accounts
from tests.browser.test_widget_live import ask
from tests.browser.widget_page import WidgetPage
from tests.integration.test_inbox_live import _stored
from tests.support.rest import RestChat

pytestmark = [pytest.mark.browser]

NAME, PASSWORD = "inbox_pub", "publisher passphrase for the inbox"


def _shot(page: Page, tmp_path: Path, name: str) -> Path:
    folder = Path(os.environ.get("PIT_SCREENSHOT_DIR") or tmp_path)
    path = folder / name
    page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
    return path


def test_staff_see_the_inbox_masked_and_the_analytics_charts(
    stack: Stack, stack_database: str, context, tmp_path
):
    with session_scope(session_factory(stack_database)) as work:
        if accounts.find_user(work, NAME) is None:
            accounts.create_user(work, NAME, "publisher", PASSWORD, "test")
    chats = [RestChat(stack.rest_url) for _ in range(3)]
    chats[0].send("does it hurt?")
    chats[0].send("can you recommend a good plumber near me")
    chats[1].send("Maria Lopez here, text me on 202-555-0199: can you recommend a plumber")
    chats[2].send("my face is swelling and I can't swallow after the injections")
    chats[2].send("can you recommend a plumber?")
    _stored(
        stack_database,
        [chat.sender for chat in chats],
        typed={chats[0].sender: 2, chats[1].sender: 1, chats[2].sender: 2},
    )

    # A patient rates an answer down in the widget: the thumbs stay pressed after a reload.
    widget = WidgetPage(context.new_page()).goto(stack.web_url)
    widget.open()
    widget.wait_online()
    expect(widget.bot_messages.first).to_contain_text("automated assistant")  # the session began
    widget.wait_idle()
    ask(widget, "how long does the numbness last after a session")  # sent, and answered
    session = widget.page.evaluate(
        "JSON.parse(localStorage.getItem('pit-chat:conversation:v1')).sessionId"
    )
    # One pair of thumbs per answer, under its last paragraph.
    answer = widget.bot_messages.last
    expect(answer.locator(".pit-rating")).to_have_count(1)
    assert widget.page.locator(".pit-rating").count() < widget.bot_count()
    answer.get_by_role("button", name="This answer did not help").click()
    expect(answer).to_contain_text("Thanks for telling us.")
    widget.page.reload()  # the panel reopens by itself (it was open)
    rated = widget.page.locator('.pit-rate[aria-pressed="true"]')
    expect(rated).to_have_count(1)
    expect(rated).to_have_attribute("aria-label", "This answer did not help")
    expect(rated).to_be_disabled()

    def rated_question():  # type: ignore[no-untyped-def]
        """The typed question once the inbox has it rated (None until then)."""
        found = _stored(stack_database, [session], timeout=5).get(session, [])
        typed = [m for m in found if m.typed]
        return typed[0] if typed and typed[0].rating == "down" else None

    deadline = time.monotonic() + 90
    while rated_question() is None and time.monotonic() < deadline:
        time.sleep(0.5)
    question = rated_question()
    assert question is not None, "the rated question did not reach the inbox"
    assert "numbness" in question.text and question.needs_review

    page = context.new_page()
    page.goto(stack.web_url + "staff/")
    page.get_by_label("Username").fill(NAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Studio").get_by_role("link", name="Inbox").click()
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    table = page.locator("table.inbox")
    expect(table).to_contain_text("recommend a good plumber")
    expect(table).to_contain_text("[phone]")
    expect(table).to_contain_text("reported a red flag")
    expect(table).to_contain_text("rated down")
    assert "Maria" not in table.inner_text() and "555-0199" not in page.content()
    _shot(page, tmp_path, "studio-inbox.png")

    page.get_by_role("navigation", name="Studio").get_by_role("link", name="Analytics").click()
    expect(page.get_by_role("heading", name="Analytics")).to_be_visible()
    charts = page.locator("section.chart")
    expect(charts).to_have_count(7)
    for index in range(7):
        chart = charts.nth(index)
        picture = chart.get_by_role("img")
        expect(picture).to_be_visible()
        box = picture.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 150
        expect(chart.locator("table.data tbody tr").first).to_be_attached()
    expect(page.get_by_role("img", name="Channel mix")).to_be_visible()
    _shot(page, tmp_path, "studio-analytics.png")
