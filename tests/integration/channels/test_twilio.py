"""Twilio specifics: SMS keywords, WhatsApp numbers, and the signature behind a proxy."""

from __future__ import annotations

import time

import pytest

from bot.settings import get_settings
from bot.stack import Stack
from tests.integration.channels.conftest import tracker_events
from tests.support.channel_clients import TwilioUser
from tests.support.fake_providers import FakeProviderApi

pytestmark = pytest.mark.integration
SETTINGS = get_settings()


def test_stop_opts_out_start_opts_back_in_help_gives_the_clinic(
    stack: Stack, fake_api: FakeProviderApi
):
    user = TwilioUser(stack.rasa_url, fake_api)
    user.say("hello")
    stopped = user.say("STOP")
    assert "no more messages" in stopped.text and "START" in stopped.text

    before = len(user.replies())
    status, _ = user.deliver_text("does it hurt?")
    assert status == 200
    time.sleep(4)
    assert len(user.replies()) == before  # opted out: nothing is sent

    helped = user.say("help")
    assert SETTINGS.name in helped.text and SETTINGS.phone in helped.text

    started = user.say("Start")
    assert "again" in started.text
    assert "pin-pricks" in user.say("does it hurt?").text


def test_whatsapp_through_twilio_replies_from_our_whatsapp_number(
    stack: Stack, fake_api: FakeProviderApi
):
    user = TwilioUser(stack.rasa_url, fake_api, whatsapp=True)
    turn = user.say("does it hurt?")
    assert {c.form["From"] for c in turn.calls} == {"whatsapp:+15550100000"}
    assert "Reply 1 for Side effects" in turn.text


def test_a_signature_over_the_internal_url_is_refused(stack: Stack, fake_api: FakeProviderApi):
    """Twilio signs the public URL; a request signed for another URL is not Twilio's."""
    user = TwilioUser(stack.rasa_url, fake_api)
    status, _ = user.deliver(user.params("does it hurt?"), url=stack.rasa_url)
    assert status == 403
    time.sleep(2)
    assert user.replies() == [] and tracker_events(stack, user.sender_id) == []


def test_a_changed_parameter_breaks_the_signature(stack: Stack, fake_api: FakeProviderApi):
    user = TwilioUser(stack.rasa_url, fake_api)
    params = user.params("does it hurt?")
    from bot.channels.twilio import twilio_signature
    from tests.support.channel_clients import PUBLIC_BASE, TWILIO

    signature = twilio_signature(
        TWILIO["TWILIO_AUTH_TOKEN"], PUBLIC_BASE + user.path, {k: [v] for k, v in params.items()}
    )
    params["Body"] = '/book_consultation{"request_name": "x"}'
    status, _ = user.deliver(params, signature=signature)
    assert status == 403
