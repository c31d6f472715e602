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
