"""Recognising a patient's phone number or email the many ways it gets written."""

from __future__ import annotations

import pytest

from bot.channels.registry import CHANNELS
from bot.privacy.contact import InvalidContact, parse_contact

PHONE = parse_contact("(202) 555-0187", "US")
EMAIL = parse_contact("Zoe.Q@Example.ORG", "US")


def test_contacts_are_normalised_like_the_booking_form_stores_them():
    assert (PHONE.kind, PHONE.value, PHONE.email) == ("phone", "+12025550187", None)
    assert (EMAIL.kind, EMAIL.value, EMAIL.phone) == ("email", "Zoe.Q@example.org", None)
    assert parse_contact("020 7946 0958", "GB").value == "+442079460958"


@pytest.mark.parametrize(
    "typed", ["", "   ", "hello", "12", "555-01", "a@b", "x@@y.org", "a b@c.org"]
)
def test_anything_else_is_refused_with_a_clear_message(typed):
    with pytest.raises(InvalidContact, match="not a valid (phone number|email address)"):
        parse_contact(typed, "US")


@pytest.mark.parametrize(
    "text",
    [
        "+12025550187",
        "my number is 202 555 0187",
        "call (202) 555-0187 after 5",
        "202.555.0187",
        "+1 202-555-0187, thanks",
        "1 202 555 0187",
    ],
)
def test_a_phone_is_found_however_it_was_typed(text):
    assert PHONE.mentioned_in(text)


@pytest.mark.parametrize(
    "text", ["", "202 555 0188", "ref 2025550187123456", "+44 20 2555 0187", "does it hurt?"]
)
def test_other_numbers_are_not_the_patients(text):
    assert not PHONE.mentioned_in(text)


def test_an_email_is_found_in_any_case_but_not_inside_another_address():
    assert EMAIL.mentioned_in("it's ZOE.Q@example.org.")
    assert EMAIL.mentioned_in("zoe.q@EXAMPLE.org")
    assert not EMAIL.mentioned_in("jim.zoe.q@example.org")
    assert not EMAIL.mentioned_in("zoe.q@example.org.uk")
    assert not EMAIL.mentioned_in("202 555 0187")


def test_sms_and_whatsapp_conversation_ids_are_the_phones():
    for sender in ("twilio:+12025550187", "twilio:whatsapp:+12025550187", "whatsapp:12025550187"):
        assert PHONE.is_sender(sender)
    for sender in ("twilio:+12025550188", "telegram:12025550187", "12025550187"):
        assert not PHONE.is_sender(sender)
    assert not EMAIL.is_sender("twilio:+12025550187")


def test_the_phone_channels_exist():
    names = {spec.name for spec in CHANNELS}
    assert {channel for channel, _ in PHONE.channel_users()} <= names
    assert EMAIL.channel_users() == []
