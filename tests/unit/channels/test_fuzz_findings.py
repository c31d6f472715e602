"""Regressions for what the fuzz tests found in the messaging channels (issue 16, item 5):
each of these signed deliveries used to be answered with HTTP 500."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.channels.messenger import MessengerChannel
from bot.channels.store import ChannelStore, key
from bot.channels.telegram import TelegramChannel
from bot.channels.webhook import BadPayloadError
from bot.channels.whatsapp import WhatsAppChannel
from tests.support.fuzz_corpus import nested, nested_object


def test_an_id_with_a_lone_surrogate_is_deduplicated_like_any_other(store: ChannelStore):
    # JSON can carry "\ud800"; strict UTF-8 could not hash it (UnicodeEncodeError -> 500).
    assert store.first_delivery("whatsapp", "wamid.\ud800") is True
    assert store.first_delivery("whatsapp", "wamid.\ud800") is False
    store.record_inbound("telegram", "\udfff")
    assert key("SM1") == key("SM1") and key("\ud800") != key("\udfff")


@pytest.mark.parametrize("channel", [TelegramChannel, WhatsAppChannel, MessengerChannel])
@pytest.mark.parametrize("body", [nested(30_000), nested_object(10_000)], ids=["lists", "objects"])
def test_json_nested_past_the_recursion_limit_is_a_bad_payload(channel, body: bytes):
    # Under the 64 KB limit, yet deep enough for RecursionError inside json.loads.
    assert len(body) < 64 * 1024
    request = SimpleNamespace(body=body, headers={})
    with pytest.raises(BadPayloadError):
        channel(env={}).parse(request)


def test_a_signature_header_with_non_utf8_bytes_is_refused_not_a_crash():
    """Found by the fuzz benchmark: Sanic decodes header byte 0x80 as "\udc80", which
    strict UTF-8 could not encode (a 500 even on unsigned Twilio and Telegram deliveries)."""
    from bot.channels.meta import meta_signature_ok
    from bot.channels.twilio import TwilioChannel

    odd = "\udc80"
    telegram = TelegramChannel(env={"TELEGRAM_SECRET_TOKEN": "tg-secret"})
    headers = {"X-Telegram-Bot-Api-Secret-Token": odd}
    assert telegram.verify(SimpleNamespace(headers=headers)) is False
    assert meta_signature_ok("secret", b"", "sha256=" + odd) is False
    twilio = TwilioChannel(env={"TWILIO_AUTH_TOKEN": "t", "PUBLIC_BASE_URL": "https://x.test"})
    request = SimpleNamespace(
        headers={"X-Twilio-Signature": odd, "content-type": ""},
        path="/webhooks/twilio/webhook",
        query_string="",
        url="http://127.0.0.1/webhooks/twilio/webhook",
        body=b"",
    )
    assert twilio.verify(request) is False


def test_a_socketio_packet_with_a_huge_number_is_dropped_not_a_stack_trace(caplog):
    """Found by the fuzz tests: python-socketio refuses a JSON number of thousands of digits
    with ValueError, which its server logged as a stack trace; now one log line."""
    import asyncio

    from bot.channels.socketio import GuardedSocketIOInput

    channel = GuardedSocketIOInput.from_credentials({"session_persistence": True})

    async def on_new_message(message) -> None:  # never reached: the packet is dropped
        raise AssertionError(message)

    channel.blueprint(on_new_message)
    handle = channel.sio.eio.handlers["message"]
    packet = '2["user_uttered", {"message": ' + "9" * 5000 + "}]"
    with caplog.at_level("INFO", logger="bot.channels.socketio"):
        assert asyncio.run(handle("eio-sid", packet)) is None
    assert "socket.io packet dropped: ValueError" in caplog.text


@pytest.mark.parametrize("given", ["\udc80", "\ud800", "tg-secret\udcff", "", "tg-secret "])
def test_secret_matches_refuses_any_other_value_without_raising(given: str):
    from bot.secret_compare import secret_matches

    assert secret_matches(given, "tg-secret") is False
    assert secret_matches("tg-secret", "tg-secret") is True
    assert secret_matches("clé-ü", "clé-ü") is True  # a non-ASCII secret still works


@pytest.mark.parametrize(
    "event, args",
    [
        ("user_uttered", ()),
        ("user_uttered", ("not an object", "extra", 3)),
        ("session_request", ("not an object", "extra", 3)),  # none at all is a valid request
        ("connect", ()),
        ("connect", ("not an object", "extra", 3)),
    ],
)
def test_a_socketio_event_with_no_or_extra_arguments_is_dropped(event, args, caplog):
    """Found by the 10,000-request fuzz benchmark: ``user_uttered`` emitted with no argument
    raised TypeError (missing 'data') in the server, which logged a stack trace."""
    import asyncio

    from bot.channels.socketio import GuardedSocketIOInput

    channel = GuardedSocketIOInput.from_credentials({"session_persistence": True})
    reached = []

    async def on_new_message(message) -> None:
        reached.append(message.text)

    channel.blueprint(on_new_message)
    handler = channel.sio.handlers["/"][event]
    with caplog.at_level("INFO", logger="bot.channels.socketio"):
        result = asyncio.run(handler("sid-1", *args))
    assert result in (None, False)  # dropped; "connect" refuses the fake connection
    assert reached == [] and "dropped" in caplog.text
