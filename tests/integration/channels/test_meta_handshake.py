"""Meta's subscription handshake on WhatsApp Cloud and Messenger webhooks (GET)."""

from __future__ import annotations

import urllib.parse

import pytest

from bot.stack import Stack
from tests.support.channel_clients import META, post

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("channel", ["whatsapp", "messenger"])
def test_the_challenge_is_echoed_only_for_our_verify_token(stack: Stack, channel: str):
    def handshake(token: str) -> tuple:
        query = urllib.parse.urlencode(
            {"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "1158201444"}
        )
        url = f"{stack.rasa_url}/webhooks/{channel}/webhook?{query}"
        return post(url, None, {}, method="GET")

    assert handshake(META["META_VERIFY_TOKEN"]) == (200, b"1158201444")
    assert handshake("not-our-token")[0] == 403
