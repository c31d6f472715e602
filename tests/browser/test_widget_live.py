"""The widget in a real browser against the real assistant: Rasa server + action
server with the trained model, the demo page served by `python -m bot web`."""

from __future__ import annotations

import re
from typing import Dict, List

import pytest
from playwright.sync_api import WebSocketRoute, expect

from bot.settings import get_settings
from tests.browser.conftest import DESKTOP
from tests.browser.widget_page import WidgetPage

pytestmark = [pytest.mark.integration, pytest.mark.browser]

XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2"> does PIT hurt?'
SESSION_KEY = "pit-chat:conversation:v1"


@pytest.fixture
def widget(context, stack) -> WidgetPage:
    return WidgetPage(context.new_page()).goto(stack.web_url)


def stored_session_id(widget: WidgetPage) -> str:
    return widget.page.evaluate(f"JSON.parse(localStorage.getItem('{SESSION_KEY}')).sessionId")


def ask(widget: WidgetPage, text: str) -> str:
    """Send ``text``, wait until Rasa has sent every reply, return the new bot text."""
    before = widget.bot_count()
    widget.type_and_enter(text)
    expect(widget.user_messages.last).to_have_attribute("data-status", "sent")
    widget.wait_idle()
    expect(widget.bot_messages).not_to_have_count(before)
    return widget.bot_texts_after(before)


def test_question_quick_reply_and_reload_keep_one_conversation(widget: WidgetPage):
    settings = get_settings()
    widget.open()
    widget.wait_online()

    # Opening the widget starts the session: the automated-assistant disclosure comes first.
    expect(widget.bot_messages.first).to_contain_text("automated assistant")
    expect(widget.bot_messages.get_by_role("link", name=settings.phone).first).to_have_attribute(
        "href", re.compile(r"^tel:")
    )
    widget.wait_idle()

    answer = ask(widget, "what is perineural injection therapy?").lower()
    assert "dextrose" in answer or "nerve" in answer, answer

    # Quick replies: the greeting offers buttons; a click sends the payload and shows the title.
    ask(widget, "hello")
    # The group by position, not ``.last``: the answer to the click brings a new group,
    # and ``.last`` would then point at that one.
    groups = widget.page.locator(".pit-replies")
    group = groups.nth(groups.count() - 1)
    button = group.locator("button.pit-reply").first
    expect(button).to_be_enabled()
    title = button.inner_text()
    before = widget.bot_count()
    button.click()
    expect(widget.user_messages.last).to_contain_text(title)
    for reply in group.locator("button.pit-reply").all():
        expect(reply).to_be_disabled()
    widget.wait_idle()
    expect(widget.bot_messages).not_to_have_count(before)

    # Bad input is refused in the page; nothing reaches the assistant.
    count = widget.messages.count()
    widget.type_and_enter("   ")
    expect(widget.hint).to_have_text("Please type a question first.")
    long_text = "Is PIT right for me? " * 300
    widget.type_and_enter(long_text)
    expect(widget.hint).to_contain_text("(limit 1,000)")
    assert widget.input.input_value() == long_text
    assert widget.messages.count() == count
    widget.input.fill("")

    # Reload: same session, same visible history, and the conversation carries on.
    history: List[str] = widget.texts()
    session_id = stored_session_id(widget)
    widget.page.reload()
    expect(widget.panel).to_be_visible()
    expect(widget.messages).to_have_count(len(history))
    assert widget.texts() == history
    widget.wait_online()
    assert stored_session_id(widget) == session_id
    later = ask(widget, "how many sessions will i need?")
    assert "automated assistant" not in later  # same Rasa session: no second disclosure
    widget.assert_clean()


def test_script_and_image_markup_is_shown_as_text_and_never_runs(widget: WidgetPage):
    widget.open()
    widget.wait_online()
    widget.wait_idle()
    ask(widget, XSS)
    assert XSS in widget.texts()
    assert widget.page.locator(".pit-log img, .pit-log script").count() == 0
    widget.assert_clean()


def test_messages_typed_during_an_outage_are_sent_when_the_assistant_is_back(widget: WidgetPage):
    """Cut the socket in the browser (Rasa keeps running), type, then restore it."""
    page = widget.page
    state: Dict[str, object] = {"down": False, "open": []}

    def route(ws: WebSocketRoute) -> None:
        if state["down"]:
            ws.close()
            return
        ws.connect_to_server()
        state["open"].append(ws)  # type: ignore[union-attr]

    page.route_web_socket(re.compile(r"/socket\.io/"), route)
    page.reload()
    widget.open()
    widget.wait_online()
    widget.wait_idle()

    state["down"] = True
    page.route(
        re.compile(r"/socket\.io/"), lambda request: request.abort()
    )  # no polling fallback either
    for ws in state["open"]:  # type: ignore[union-attr]
        ws.close()
    expect(widget.status).to_have_attribute("data-state", "offline")
    expect(widget.alert).to_be_visible()
    expect(widget.alert.get_by_role("link", name=get_settings().phone)).to_be_visible()

    before = widget.bot_count()
    widget.type_and_enter("what is perineural injection therapy?")
    queued = widget.user_messages.last
    expect(queued).to_have_attribute("data-status", "queued")
    expect(queued).to_contain_text("Not sent yet")

    state["down"] = False
    page.unroute_all()
    widget.wait_online()
    expect(queued).to_have_attribute("data-status", "sent")
    expect(widget.alert).to_be_hidden()
    widget.wait_idle()
    answer = widget.bot_texts_after(before).lower()
    assert "dextrose" in answer or "nerve" in answer, answer
    widget.assert_clean()


def test_new_conversation_clears_the_history_and_starts_a_new_session(widget: WidgetPage):
    widget.open()
    widget.wait_online()
    widget.wait_idle()
    ask(widget, "does it hurt?")
    old_session = stored_session_id(widget)

    restart = widget.page.get_by_role("button", name="Start a new conversation")
    restart.click()  # the visitor says no: nothing changes
    assert widget.dialogs == [
        "confirm: Start a new conversation? The messages shown here will be cleared."
    ]
    widget.dialogs.clear()
    expect(widget.user_messages).to_have_count(1)

    widget.confirms_to_accept = 1
    restart.click()
    expect(widget.user_messages).to_have_count(0)
    widget.wait_online()
    expect(widget.bot_messages.first).to_contain_text("automated assistant")  # a new session
    assert stored_session_id(widget) != old_session
    widget.wait_idle()
    answer = ask(widget, "what is perineural injection therapy?").lower()
    assert "dextrose" in answer or "nerve" in answer, answer
    widget.assert_clean()


def test_a_phone_number_typed_the_local_way_is_read_in_the_browsers_country(browser, stack):
    """The widget sends the browser's time zone with each message, so a visitor in Sydney
    who types a mobile number the Australian way is not asked for a country code, and the
    summary shows the number with it (+61) for them to check."""
    ctx = browser.new_context(viewport=DESKTOP, timezone_id="Australia/Sydney")
    ctx.set_default_timeout(15_000)
    try:
        widget = WidgetPage(ctx.new_page()).goto(stack.web_url)
        widget.open()
        widget.wait_online()
        widget.wait_idle()
        ask(widget, "could someone ring me back about this?")
        ask(widget, "Lena Ortiz")
        reply = ask(widget, "0491570006")
        assert "which country" not in reply and "doesn't look right" not in reply, reply
        ask(widget, "mornings")
        summary = ask(widget, "yes")
        assert "+61 491 570 006" in summary, summary
        widget.assert_clean()
    finally:
        ctx.close()
