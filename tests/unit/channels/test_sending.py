"""Rendering and sending per medium, over real HTTP to the fake provider API (no Rasa).

Each channel object is built as the Rasa server builds it (environment only) and
asked to send one turn; the fake API records exactly what the provider would get.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import timedelta
from typing import List

import pytest

from bot.bookings.models import utcnow
from bot.channels.messenger import MessengerChannel
from bot.channels.render import Button, Reply
from bot.channels.telegram import TelegramChannel
from bot.channels.twilio import TwilioChannel
from bot.channels.webhook import Inbound, WebhookChannel
from bot.channels.whatsapp import WhatsAppChannel
from tests.support.channel_clients import channel_env
from tests.support.fake_providers import Call

SENTENCE = "Most people find the shots easy, and any soreness passes within a day or two. "
LONG = SENTENCE * 80  # about 6,400 characters
PATIENT = {
    "twilio": "+15557654321",
    "whatsapp": "15557654321",
    "telegram": "777",
    "messenger": "888",
}


def build(cls, fake_api, store) -> WebhookChannel:
    channel = cls(env=channel_env(fake_api.url), store=store)
    channel.client.retry_delays = (0.01, 0.01, 0.01)
    return channel


def send(channel: WebhookChannel, replies: List[Reply]) -> Inbound:
    inbound = Inbound("d1", PATIENT[channel.channel_name])
    channel.store.record_inbound(channel.channel_name, inbound.user_id)

    async def turn() -> None:
        await channel.send_turn(inbound, replies)
        await channel.client.close()

    asyncio.run(turn())
    return inbound


def buttons(count: int, title: str = "Option") -> List[Button]:
    return [Button(f"{title} {i}", f"/choice_{i}") for i in range(count)]


def texts_of(calls: List[Call], channel: str) -> List[str]:
    if channel == "twilio":
        return [c.form["Body"] for c in calls]
    if channel == "telegram":
        return [c.json["text"] for c in calls]
    if channel == "messenger":
        return [c.json["message"]["text"] for c in calls]
    return [
        c.json["text"]["body"]
        if c.json["type"] == "text"
        else c.json["interactive"]["body"]["text"]
        for c in calls
    ]


@pytest.mark.parametrize(
    "cls, limit",
    [
        (TwilioChannel, 1600),
        (WhatsAppChannel, 4096),
        (TelegramChannel, 4096),
        (MessengerChannel, 2000),
    ],
)
def test_a_long_answer_is_split_at_sentence_ends_within_the_limit(cls, limit, fake_api, store):
    channel = build(cls, fake_api, store)
    send(channel, [Reply(LONG.strip())])
    parts = texts_of(fake_api.calls, channel.channel_name)
    assert all(len(part) <= limit for part in parts)
    assert len(parts) == -(-len(LONG.strip()) // limit)  # as few parts as possible
    assert all(part.endswith(".") for part in parts)  # no sentence is cut
    assert " ".join(parts) == LONG.strip()


def test_twilio_numbers_the_options_and_sends_from_our_number(fake_api, store):
    channel = build(TwilioChannel, fake_api, store)
    send(channel, [Reply("Want to know more?", [Button("How often?", "/ask_topic{}")])])
    [call] = fake_api.calls
    assert call.path == f"/2010-04-01/Accounts/{channel.account_sid}/Messages.json"
    assert call.form == {
        "To": "+15557654321",
        "From": "+15550100000",
        "Body": "Want to know more?\n\nReply 1 for How often?",
    }
    assert store.latest_offer("twilio", "+15557654321").payloads == ["/ask_topic{}"]


@pytest.mark.parametrize(
    "count, title, kind",
    [
        (3, "Twenty chars exactly", "button"),
        (2, "Title of 24 characters!!", "list"),
        (10, "Opt", "list"),
    ],
)
def test_whatsapp_buttons_lists_and_their_limits(count, title, kind, fake_api, store):
    channel = build(WhatsAppChannel, fake_api, store)
    send(
        channel, [Reply("Pick one.", [Button(f"{title[:-1]}{i}", f"/p{i}") for i in range(count)])]
    )
    [call] = fake_api.calls
    body = call.json
    assert call.headers["Authorization"] == "Bearer wa-access-token"
    assert body["messaging_product"] == "whatsapp" and body["to"] == "15557654321"
    assert body["interactive"]["type"] == kind
    if kind == "button":
        titles = [b["reply"]["title"] for b in body["interactive"]["action"]["buttons"]]
        assert len(titles) == 3 and all(len(t) <= 20 for t in titles)
    else:
        rows = body["interactive"]["action"]["sections"][0]["rows"]
        assert len(rows) == count and all(len(r["title"]) <= 24 for r in rows)


def test_whatsapp_falls_back_to_numbered_text_beyond_a_list(fake_api, store):
    channel = build(WhatsAppChannel, fake_api, store)
    send(channel, [Reply("Pick one.", buttons(11))])
    [call] = fake_api.calls
    assert call.json["type"] == "text"
    assert "Reply 11 for Option 10" in call.json["text"]["body"]
    assert store.latest_offer("whatsapp", "15557654321").numbered is True


def test_whatsapp_sends_nothing_outside_the_24_hour_window(fake_api, store, caplog):
    channel = build(WhatsAppChannel, fake_api, store)
    inbound = Inbound("d1", "15550000001")
    store.record_inbound("whatsapp", inbound.user_id, at=utcnow() - timedelta(hours=25))
    with caplog.at_level(logging.INFO):
        asyncio.run(channel.send_turn(inbound, [Reply("Hello again.")]))
    assert fake_api.calls == []
    assert "outside the 24-hour window" in caplog.text and "15550000001" not in caplog.text


def test_twilio_whatsapp_numbers_get_the_window_too(fake_api, store):
    channel = build(TwilioChannel, fake_api, store)
    inbound = Inbound("d1", "whatsapp:+15550000002")
    store.record_inbound("twilio", inbound.user_id, at=utcnow() - timedelta(hours=25))
    asyncio.run(channel.send_turn(inbound, [Reply("Hello again.")]))
    assert fake_api.calls == []


def test_telegram_inline_keyboard_with_short_callback_data(fake_api, store):
    channel = build(TelegramChannel, fake_api, store)
    long_payload = '/ask_topic{"topic": "' + "x" * 200 + '"}'
    send(channel, [Reply("Pick one.", [Button("A", long_payload), Button("B", "/b")])])
    [call] = fake_api.calls
    assert call.path == "/bot12345:telegram-bot-token/sendMessage"
    keyboard = call.json["reply_markup"]["inline_keyboard"]
    data = [row[0]["callback_data"] for row in keyboard]
    assert all(len(d.encode()) <= 64 for d in data)
    token, index = data[0].split(":")
    assert store.offer("telegram", "777", token).payload(int(index)) == long_payload
    assert "parse_mode" not in call.json  # plain text: no Markdown or HTML to misrender


@pytest.mark.parametrize("count, quick", [(13, True), (14, False)])
def test_messenger_quick_replies_up_to_13(count, quick, fake_api, store):
    channel = build(MessengerChannel, fake_api, store)
    send(channel, [Reply("Pick one.", buttons(count))])
    [call] = fake_api.calls
    message = call.json["message"]
    assert call.json["recipient"] == {"id": "888"}
    assert ("quick_replies" in message) is quick
    if quick:
        assert len(message["quick_replies"]) == 13
        assert all(len(q["title"]) <= 20 for q in message["quick_replies"])
    else:
        assert f"Reply {count} for Option {count - 1}" in message["text"]


def test_failed_sends_are_retried_then_logged_without_personal_data(fake_api, store, caplog):
    channel = build(TwilioChannel, fake_api, store)
    fake_api.fail_next(503, times=2)
    send(channel, [Reply("First try fails twice.")])
    assert len(fake_api.calls) == 3 and fake_api.calls[-1].form["Body"] == "First try fails twice."

    fake_api.calls.clear()
    fake_api.fail_next(500, times=10)
    with caplog.at_level(logging.INFO):
        send(channel, [Reply("Never gets through.")])
    assert len(fake_api.calls) == 4  # the first try and three retries
    assert "failed after 4 attempt(s) (HTTP 500)" in caplog.text
    assert "Never gets through" not in caplog.text and "7654321" not in caplog.text


def test_a_client_error_is_not_retried(fake_api, store):
    channel = build(MessengerChannel, fake_api, store)
    fake_api.fail_next(400)
    send(channel, [Reply("Bad request.")])
    assert len(fake_api.calls) == 1


def test_nothing_is_sent_to_a_number_that_opted_out(fake_api, store):
    channel = build(TwilioChannel, fake_api, store)
    store.set_opted_out("twilio", PATIENT["twilio"], True)
    send(channel, [Reply("Anything.")])
    assert fake_api.calls == []


def test_links_stay_plain_urls(fake_api, store):
    channel = build(TelegramChannel, fake_api, store)
    send(channel, [Reply("Book at https://clinic.example/book?x=1 today.")])
    assert re.search(r"https://clinic\.example/book\?x=1", fake_api.calls[0].json["text"])
