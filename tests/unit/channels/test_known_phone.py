"""The number a patient texts from, read from the conversation id: only on SMS and WhatsApp."""

from __future__ import annotations

import pytest

from bot.channels.known_phone import sender_phone
from bot.channels.messenger import MessengerChannel
from bot.channels.telegram import TelegramChannel
from bot.channels.twilio import TwilioChannel
from bot.channels.whatsapp import WhatsAppChannel

REGION = "US"


def test_the_conversation_ids_our_phone_channels_make_give_the_senders_number():
    twilio, whatsapp = TwilioChannel(env={}), WhatsAppChannel(env={})
    sms = twilio.sender_id("+12025550123")  # Twilio's "From" for SMS
    via_twilio = twilio.sender_id("whatsapp:+12025550123")  # ... and for WhatsApp
    cloud = whatsapp.sender_id("12025550123")  # the Cloud API's wa_id has no "+"
    assert sender_phone(sms, twilio.name(), REGION) == "+12025550123"
    assert sender_phone(via_twilio, twilio.name(), REGION) == "+12025550123"
    assert sender_phone(cloud, whatsapp.name(), REGION) == "+12025550123"
    assert sender_phone("twilio:+447911123456", "twilio", REGION) == "+447911123456"


def test_telegram_and_messenger_ids_are_never_taken_for_a_phone():
    telegram, messenger = TelegramChannel(env={}), MessengerChannel(env={})
    # Ids made of digits, as these providers' ids are: still not the patient's phone.
    assert sender_phone(telegram.sender_id("12025550123"), telegram.name(), REGION) is None
    assert sender_phone(messenger.sender_id("12025550123"), messenger.name(), REGION) is None


@pytest.mark.parametrize(
    "sender_id, channel",
    [
        ("twilio:+12025550123", "rest"),  # a REST client can choose any sender id
        ("twilio:+12025550123", "socketio"),
        ("twilio:+12025550123", None),
        ("whatsapp:12025550123", "twilio"),  # the id of another channel
        ("twilio:+12025550123", "whatsapp"),
        ("+12025550123", "twilio"),
        ("", "twilio"),
        (None, "twilio"),
    ],
)
def test_other_channels_or_a_mismatched_id_give_no_number(sender_id, channel):
    assert sender_phone(sender_id, channel, REGION) is None


@pytest.mark.parametrize(
    "sender_id, channel",
    [
        ("twilio:12025550123", "twilio"),  # Twilio always sends "+": not what it sent
        ("twilio:+1202", "twilio"),
        ("twilio:+999123456789", "twilio"),  # no such country code
        ("twilio:+1 202 555 0123", "twilio"),
        ("twilio:Clinic", "twilio"),  # an alphanumeric sender is not a phone
        ("twilio:whatsapp:", "twilio"),
        ("whatsapp:+12025550123", "whatsapp"),
        ("whatsapp:012025550123", "whatsapp"),
        ("whatsapp:12025550123x", "whatsapp"),
        ("whatsapp:1" + "2" * 20, "whatsapp"),
    ],
)
def test_a_sender_id_that_is_not_a_whole_valid_phone_gives_no_number(sender_id, channel):
    assert sender_phone(sender_id, channel, REGION) is None
