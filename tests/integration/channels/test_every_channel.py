"""What every messaging channel must do, through the real Rasa server and a fake provider API.

Each test runs once per channel (Twilio SMS, WhatsApp through Twilio, WhatsApp Cloud API,
Telegram, Messenger): the patient's delivery is signed as the provider signs it and
posted to our webhook on loopback; the replies are read from what the fake API received.
"""

from __future__ import annotations

import time
from typing import Callable

import pytest

from bot.channels.webhook import MAX_BODY_BYTES
from bot.stack import Stack
from tests.integration.channels.conftest import tracker_events, user_texts
from tests.support.channel_clients import (
    ChannelUser,
    MessengerUser,
    TelegramUser,
    TwilioUser,
    WhatsAppUser,
)
from tests.support.fake_providers import FakeProviderApi

pytestmark = pytest.mark.integration

MakeUser = Callable[[str, FakeProviderApi], ChannelUser]
USERS = {
    "sms": lambda url, fake: TwilioUser(url, fake),
    "twilio-whatsapp": lambda url, fake: TwilioUser(url, fake, whatsapp=True),
    "whatsapp": WhatsAppUser,
    "telegram": TelegramUser,
    "messenger": MessengerUser,
}
EMERGENCY = "This could be an emergency"
SIDE_EFFECTS = "Side effects are usually mild"
QUIET_S = 3.0  # how long "no reply" is waited for


@pytest.fixture(params=list(USERS))
def user(request: pytest.FixtureRequest, stack: Stack, fake_api: FakeProviderApi):
    return USERS[request.param](stack.rasa_url, fake_api)


def test_a_signed_question_is_answered_through_the_provider_api(user: ChannelUser):
    turn = user.say("does it hurt?")
    assert "automated assistant" in turn.text  # the AI disclosure opens the conversation
    assert "pin-pricks" in turn.text
    assert "Side effects" in turn.choices  # the answer's follow-up buttons, in the medium's form


@pytest.mark.parametrize("signature", [None, "wrong"])
def test_a_missing_or_wrong_signature_gets_403_and_nothing_happens(
    user: ChannelUser, stack: Stack, signature
):
    status, _ = user.deliver_text("does it hurt?", signature=signature)
    assert status == 403
    time.sleep(QUIET_S)
    assert user.replies() == []
    assert tracker_events(stack, user.sender_id) == []


def test_a_replayed_delivery_is_answered_once(user: ChannelUser):
    user.say("hello")
    delivery = f"{user.next_id().replace('-', '')[:20]}"
    if isinstance(user, TelegramUser):
        delivery = str(int(delivery[:12], 16))
    before = len(user.replies())
    for _ in range(3):  # the provider retries the same delivery
        status, _ = user.deliver_text("does it hurt?", delivery_id=delivery)
        assert status == 200
    user.fake.wait_for(user.is_reply, before + 1)
    time.sleep(QUIET_S)
    answered = user.replies()[before:]
    texts = [user.read(call)[0] for call in answered]
    assert sum("pin-pricks" in text for text in texts) == 1


def test_a_button_press_or_numbered_reply_selects_the_option(user: ChannelUser):
    turn = user.say("does it hurt?")
    chosen = user.choose(turn, "Side effects")
    assert SIDE_EFFECTS in chosen.text


def test_a_red_flag_comes_first_even_before_the_disclosure(user: ChannelUser):
    turn = user.say("how many sessions will I need? also I have crushing chest pain right now")
    assert user.read(turn.calls[0])[0].startswith(EMERGENCY)
    assert "automated assistant" in turn.text  # the disclosure still follows
    turn = user.say("my chest is crushing and I can't breathe, what is PIT?")
    assert user.read(turn.calls[0])[0].startswith(EMERGENCY)


def test_pictures_and_empty_messages_get_a_short_text_not_an_error(user: ChannelUser):
    turn = user.send_photo()
    assert "I can only read text messages" in turn.text
    assert user.say("   ").text.startswith("I can only read text messages")


def test_typed_slash_text_never_reaches_rasa_as_an_intent(user: ChannelUser, stack: Stack):
    user.say('/book_consultation{"request_name": "Mallory"}')
    texts = user_texts(stack, user.sender_id)
    assert texts and not any(text.startswith("/") for text in texts)


def test_a_body_over_64_kb_or_of_the_wrong_shape_gets_400(user: ChannelUser):
    status, _ = user.deliver_raw(b"x" * (MAX_BODY_BYTES + 1))
    assert status == 400
    status, _ = user.deliver_raw(b'{"hello": "world"}')
    assert status == 400
    status, _ = user.deliver_raw(b"[1, 2, 3]")
    assert status == 400
    time.sleep(1)
    assert user.replies() == []
