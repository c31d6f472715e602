"""A booking request made end to end over SMS and WhatsApp, then listed by the staff CLI."""

from __future__ import annotations

import json
import os

import pytest

from actions.booking.ask import time_choices
from bot.bookings.config import DATABASE_URL_ENV
from bot.bookings.validation import display_phone
from bot.settings import get_settings
from bot.stack import Stack
from tests.support.channel_clients import ChannelUser, TwilioUser, WhatsAppUser
from tests.support.cli import run_bot
from tests.support.fake_providers import FakeProviderApi

pytestmark = pytest.mark.integration
SETTINGS = get_settings()
USERS = {
    "sms": lambda url, fake: TwilioUser(url, fake),
    "twilio-whatsapp": lambda url, fake: TwilioUser(url, fake, whatsapp=True),
    "whatsapp": WhatsAppUser,
}


def listed_requests(database_url: str) -> list:
    """`python -m bot bookings list --json`, as staff would run it."""
    env = {**os.environ, DATABASE_URL_ENV: database_url}
    result = run_bot(["bookings", "list", "--json"], env, real_process=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def own_phone(user: ChannelUser) -> str:
    """The number the user texts from, in E.164."""
    return user.phone if isinstance(user, TwilioUser) else f"+{user.wa_id}"


@pytest.mark.parametrize("medium", list(USERS))
def test_a_booking_completes_and_is_listed(
    medium: str, stack: Stack, fake_api: FakeProviderApi, stack_database: str
):
    user: ChannelUser = USERS[medium](stack.rasa_url, fake_api)
    offer = user.say("I would like to book a consultation please")
    assert SETTINGS.booking_url in offer.text
    assert "full name" in user.choose(offer, "Yes, send my details").text
    contact = user.say("Maria Lopez")
    assert "reach you" in contact.text
    # The number they text from is offered, formatted for reading, with a button / option.
    assert display_phone(own_phone(user)) in contact.text and "Use this number" in contact.choices
    if medium == "sms":  # "Reply 1 for Use this number": the patient replies "1"
        pain, phone = user.choose(contact, "Use this number"), own_phone(user)
    else:  # typing another number still works
        pain, phone = user.say("(201) 555-0142"), "+12015550142"
    assert "area" in pain.text.lower() or "pain" in pain.text.lower()
    kind = user.say("my lower back")
    times = user.choose(kind, "New patient")
    first_time = time_choices(SETTINGS.opening_hours)[0]
    consent = user.choose(times, first_time)
    summary = user.choose(consent, "Yes, I agree")
    for detail in ("Maria Lopez", display_phone(phone), "lower back", first_time):
        assert detail in summary.text
    done = user.choose(summary, "Yes, send it")

    [request] = [
        r for r in listed_requests(stack_database) if r["conversation_id"] == user.sender_id
    ]
    assert request["name"] == "Maria Lopez" and request["phone"] == phone
    assert request["channel"] == user.channel
    assert request["reference"] in done.text


def test_on_sms_a_local_number_is_read_in_the_country_the_patient_texts_from(
    stack: Stack, fake_api: FakeProviderApi, stack_database: str
):
    """A patient texting from an Australian phone types another Australian number the local
    way (no +61): it is taken as Australian, not refused for want of a country code."""
    user = TwilioUser(stack.rasa_url, fake_api)
    user.phone = "+61491570156"
    user.say("could someone ring me back about this?")
    question = user.say("Maria Lopez")
    assert "Use this number" in question.choices
    call_time = user.say("0491570006")
    assert "which country" not in call_time.text and "doesn't look right" not in call_time.text
    user.say("mornings")
    summary = user.say("yes")
    assert display_phone("+61491570006") in summary.text
    done = user.choose(summary, "Yes, send it")
    [request] = [
        r for r in listed_requests(stack_database) if r["conversation_id"] == user.sender_id
    ]
    assert request["phone"] == "+61491570006" and request["reference"] in done.text
