"""The widget in a real browser while the assistant cannot be reached: what the visitor
types is checked, kept and never lost, and the page says whom to call instead."""

from __future__ import annotations

import functools
import http.server
import re
import threading

import pytest
from playwright.sync_api import expect

from bot.settings import get_settings
from tests.browser.conftest import MOBILE
from tests.browser.widget_page import WidgetPage

pytestmark = [pytest.mark.integration, pytest.mark.browser]

XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script> "quotes" & <b>bold</b>'


@pytest.fixture
def widget(context, offline_site) -> WidgetPage:
    return WidgetPage(context.new_page()).goto(offline_site)


def test_page_shows_clinic_details_and_a_closed_launcher(widget: WidgetPage):
    settings = get_settings()
    page = widget.page
    expect(page).to_have_title(re.compile(re.escape(settings.name)))
    expect(page.locator(".brand")).to_have_text(settings.name)
    expect(page.locator(".header-call")).to_contain_text(settings.phone)
    for line in settings.opening_hours_text().splitlines():
        expect(page.locator(".hours")).to_contain_text(line)
    expect(page.locator(".demo-banner")).to_contain_text("Demo page")
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher).to_have_attribute("aria-expanded", "false")
    widget.assert_clean()


def test_unreachable_assistant_says_to_call_the_clinic(widget: WidgetPage):
    phone = get_settings().phone
    widget.open()
    expect(widget.page.locator(".pit-title")).to_have_text(get_settings().name)
    expect(widget.panel).to_contain_text("Automated assistant")
    expect(widget.alert).to_be_visible(timeout=15_000)
    expect(widget.alert).to_contain_text("Can't reach the assistant")
    call = widget.alert.get_by_role("link", name=phone)
    expect(call).to_have_attribute("href", "tel:" + re.sub(r"[^\d+]", "", phone))
    expect(widget.status).to_have_attribute("data-state", "offline")
    expect(widget.page.locator(".pit-log")).to_have_attribute("aria-live", "polite")


def test_empty_and_blank_messages_are_not_sent(widget: WidgetPage):
    widget.open()
    widget.input.press("Enter")
    expect(widget.hint).to_have_text("Please type a question first.")
    widget.type_and_enter("   \n\t  ")
    widget.page.locator(".pit-send").click()
    expect(widget.hint).to_have_text("Please type a question first.")
    assert widget.messages.count() == 0


def test_over_long_message_stays_in_the_box_with_a_clear_note(widget: WidgetPage):
    widget.open()
    text = ("Does PIT help with knee pain? 😀 é ñ 中文 " * 200)[:5000]
    assert len(text) == 5000
    widget.input.fill(text)
    expect(widget.counter).to_have_text("5,000 / 1,000")
    expect(widget.counter).to_have_class(re.compile("pit-counter--over"))
    expect(widget.hint).to_contain_text("Too long by 4,000 characters (limit 1,000)")
    expect(widget.input).to_have_attribute("aria-invalid", "true")
    widget.input.press("Enter")
    widget.page.locator(".pit-send").click()
    assert widget.input.input_value() == text  # nothing lost
    assert widget.messages.count() == 0
    # Shortening it clears the note and lets it through (queued while offline).
    widget.input.fill(text[:1000])
    expect(widget.hint).to_have_text("")
    expect(widget.counter).to_have_text("1,000 / 1,000")
    widget.input.press("Enter")
    expect(widget.user_messages).to_have_count(1)
    assert widget.input.input_value() == ""


def test_emoji_count_as_one_character_each(widget: WidgetPage):
    widget.open()
    widget.input.fill(
        "👍🏽" * 3 + "😀" * 997
    )  # a skin-tone thumb is two code points, as Python counts
    expect(widget.counter).to_have_text("1,003 / 1,000")
    widget.input.fill("😀" * 1000)
    expect(widget.counter).to_have_text("1,000 / 1,000")
    expect(widget.hint).to_have_text("")
    widget.input.fill(
        "  " + "a" * 1000 + "\n\n  "
    )  # surrounding blanks are not sent, so not counted
    expect(widget.counter).to_have_text("1,000 / 1,000")
    expect(widget.input).to_have_attribute("aria-invalid", "false")


def test_html_and_script_are_shown_as_text_and_never_run(widget: WidgetPage):
    widget.open()
    widget.type_and_enter(XSS)
    expect(widget.user_messages).to_have_count(1)
    assert widget.texts() == [XSS]
    assert widget.page.locator(".pit-log img, .pit-log script, .pit-log b").count() == 0
    widget.assert_clean()


def test_messages_typed_while_offline_are_kept_across_a_reload(widget: WidgetPage):
    widget.open()
    widget.type_and_enter("Is PIT safe during pregnancy?")
    widget.type_and_enter("Line one\nLine two")
    expect(widget.user_messages).to_have_count(2)
    first = widget.user_messages.first
    expect(first).to_have_attribute("data-status", "queued")
    expect(first).to_contain_text("Not sent yet")
    widget.input.fill("an unsent draft")

    widget.page.reload()
    expect(widget.panel).to_be_visible()  # the panel reopens where the visitor left it
    expect(widget.user_messages).to_have_count(2)
    assert widget.texts() == ["Is PIT safe during pregnancy?", "Line one\nLine two"]
    expect(widget.user_messages.nth(1)).to_have_attribute("data-status", "queued")
    assert widget.page.locator(".pit-msg--user").nth(1).locator("br").count() == 1
    expect(widget.input).to_have_value("an unsent draft")


def test_keyboard_only_use(widget: WidgetPage):
    page = widget.page
    widget.launcher.focus()
    page.keyboard.press("Enter")
    expect(widget.panel).to_be_visible()
    expect(widget.input).to_be_focused()
    expect(widget.launcher).to_have_attribute("aria-expanded", "true")
    page.keyboard.type("first line")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("second line")
    expect(widget.input).to_have_value("first line\nsecond line")
    page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher).to_be_focused()
    page.keyboard.press("Space")
    expect(widget.panel).to_be_visible()
    expect(widget.panel).to_have_attribute("role", "dialog")
    close = page.get_by_role("button", name="Close chat").first
    close.focus()
    page.keyboard.press("Enter")
    expect(widget.panel).to_be_hidden()


def test_bot_messages_render_safely_with_links_paragraphs_and_replies(widget: WidgetPage):
    """Feed bot messages in the shapes Rasa's socket.io channel emits to the real widget."""
    settings = get_settings()
    phone, emergency = settings.phone, settings.emergency_number
    widget.open()
    widget.page.evaluate(
        """([phone, emergency]) => {
            const w = window.pitChat;
            w.onBotMessage({text: "Read https://example.org/pit_(info). Or email a@b.example.\\n"
                + "Call " + phone + " today.\\n\\n<img src=x onerror=\\"window.__xss=3\\"> done. "
                + "In an emergency call " + emergency + ". Ref 1" + emergency + "2."});
            w.onBotMessage({text: "Pick one", quick_replies: [
                {content_type: "text", title: "What is PIT?", payload: "/ask_topic"},
                {content_type: "text", title: "<b>Book</b>", payload: "/book_consultation"}]});
            w.onBotMessage({text: "Custom",
                            buttons: [{title: "Talk to a person", payload: "/human_handoff"}]});
            w.onBotMessage({attachment: {type: "image", payload: {src: "javascript:alert(1)"}}});
            w.onBotMessage({attachment: {type: "image", payload: {src: "https://example.org/knee.png"}}});
            w.onBotMessage({});
        }""",
        [phone, emergency],
    )
    expect(widget.bot_messages).to_have_count(
        4
    )  # the script "image" and the empty message are dropped
    image = widget.page.locator(".pit-log img")
    expect(image).to_have_count(1)
    expect(image).to_have_attribute("src", "https://example.org/knee.png")
    expect(image).to_have_attribute("alt", "Image from the assistant")
    first = widget.bot_messages.first
    assert first.locator("p").count() == 2 and first.locator("br").count() == 1
    link = first.get_by_role("link", name="https://example.org/pit_(info)")
    expect(link).to_have_attribute("href", "https://example.org/pit_(info)")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(link).to_have_attribute("target", "_blank")
    expect(first.get_by_role("link", name="a@b.example")).to_have_attribute(
        "href", "mailto:a@b.example"
    )
    expect(first.get_by_role("link", name=phone)).to_have_attribute(
        "href", re.compile(r"^tel:\+?\d+$")
    )
    expect(first.get_by_role("link", name=emergency, exact=True)).to_have_count(
        1
    )  # not inside "1…2"
    expect(first.get_by_role("link", name=emergency, exact=True)).to_have_attribute(
        "href", "tel:" + re.sub(r"[^\d+]", "", emergency)
    )
    expect(first).to_contain_text('<img src=x onerror="window.__xss=3"> done')
    replies = widget.page.locator(".pit-reply")
    expect(replies).to_have_text(["What is PIT?", "<b>Book</b>", "Talk to a person"])
    replies.nth(1).click()
    expect(widget.user_messages.last).to_contain_text("<b>Book</b>")
    for index in range(3):
        expect(replies.nth(index)).to_be_disabled()
    widget.assert_clean()


def test_mobile_panel_fills_the_screen(browser, offline_site):
    context = browser.new_context(viewport=MOBILE, reduced_motion="reduce")
    try:
        widget = WidgetPage(context.new_page()).goto(offline_site)
        widget.open()
        box = widget.panel.bounding_box()
        assert box is not None
        assert (box["x"], box["y"]) == (0, 0)
        assert (box["width"], box["height"]) == (MOBILE["width"], MOBILE["height"])
        expect(widget.launcher).to_be_hidden()  # the panel's own close button is used instead
        duration = widget.panel.evaluate("el => getComputedStyle(el).animationName")
        assert duration == "none"  # prefers-reduced-motion: no slide-in
        widget.page.get_by_role("button", name="Close chat").first.click()
        expect(widget.launcher).to_be_visible()
    finally:
        context.close()


def test_a_reply_arriving_while_a_message_waits_is_shown_above_it(widget: WidgetPage):
    """Rasa has not seen a message that is still waiting, so replies go above it."""
    widget.open()
    widget.type_and_enter("my question, typed before the welcome arrived")
    widget.page.evaluate(
        """() => window.pitChat.onBotMessage({text: "Welcome", quick_replies: [
            {content_type: "text", title: "What is PIT?", payload: "/ask_topic"}]})"""
    )
    assert widget.texts() == ["Welcome", "my question, typed before the welcome arrived"]
    expect(widget.page.locator("button.pit-reply")).to_be_disabled()
    widget.page.reload()
    expect(widget.messages).to_have_count(2)
    assert widget.texts() == ["Welcome", "my question, typed before the welcome arrived"]


def test_widget_can_be_embedded_on_the_clinics_own_site(context, offline_site, tmp_path):
    """Three tags on a page of another origin (a plain static server) load the widget."""
    (tmp_path / "index.html").write_text(
        "<!doctype html><html lang='en'><head><title>Clinic</title>"
        f"<link rel='stylesheet' href='{offline_site}css/widget.css'></head>"
        "<body><h1>Our clinic</h1>"
        f"<script src='{offline_site}vendor/socket.io.min.js'></script>"
        f"<script type='module' src='{offline_site}js/main.js'></script></body></html>"
    )
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    try:
        widget = WidgetPage(context.new_page()).goto(f"http://localhost:{site.server_address[1]}/")
        widget.open()
        expect(widget.page.locator(".pit-title")).to_have_text(get_settings().name)
        expect(widget.alert).to_be_visible(timeout=15_000)
        widget.assert_clean()
    finally:
        site.shutdown()
        site.server_close()


def test_long_answers_are_shown_from_their_first_line(widget: WidgetPage):
    widget.open()
    log = widget.page.locator(".pit-log")
    at_bottom = "el => Math.abs(el.scrollHeight - el.clientHeight - el.scrollTop) < 2"
    long_answer = "\n\n".join(f"Paragraph {i} of a long answer." for i in range(40))
    widget.page.evaluate(
        "text => { window.pitChat.onBotMessage({text}); "
        "window.pitChat.onBotMessage({text: 'More'}); }",
        long_answer,
    )
    expect(widget.page.get_by_text("Paragraph 0 of a long answer.")).to_be_in_viewport()
    assert not log.evaluate(at_bottom)
    widget.type_and_enter("thanks")  # what the visitor sends is always shown
    expect(widget.user_messages.last).to_be_in_viewport()
    assert log.evaluate(at_bottom)
