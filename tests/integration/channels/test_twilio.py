"""Twilio SMS and WhatsApp through the real stack, replies sent to a fake Twilio API."""

from __future__ import annotations

import pytest

from bot.stack import Stack
from tests.support.channel_clients import TwilioUser
from tests.support.fake_providers import FakeProviderApi

pytestmark = pytest.mark.integration


def bodies(fake: FakeProviderApi, user: TwilioUser, count: int = 1) -> list:
    return [c.form["Body"] for c in fake.wait_for(user.replies, count)]


def test_signed_sms_is_answered_through_the_api(channel_stack: Stack, fake_api: FakeProviderApi):
    user = TwilioUser(channel_stack.rasa_url)
    status, body = user.says("does it hurt?")
    assert status == 200 and b"<Response>" in body
    calls = fake_api.wait_for(user.replies)
    call = calls[0]
    assert call.form["From"] == "+15550100000"
    assert call.headers["Authorization"].startswith("Basic ")
    text = "\n".join(c.form["Body"] for c in calls)
    assert "automated" in text.lower()  # the AI disclosure starts the conversation
    assert "injection" in text.lower() or "needle" in text.lower()
