"""Where a patient probably is, for a number typed without its country code."""

from __future__ import annotations

import pytest

from bot.channels.phone_region import TIMEZONE_KEY, region_hints, timezone_region
from bot.channels.twilio import TwilioChannel
from bot.channels.whatsapp import WhatsAppChannel

HOME = "US"


@pytest.mark.parametrize(
    "zone, region",
    [
        ("Australia/Sydney", "AU"),
        ("Australia/Perth", "AU"),
        ("Pacific/Auckland", "NZ"),
        ("Europe/London", "GB"),
        ("America/Toronto", "CA"),
        ("America/New_York", "US"),
    ],
)
def test_a_browser_time_zone_names_its_country(zone, region):
    assert timezone_region({TIMEZONE_KEY: zone}) == region


@pytest.mark.parametrize(
    "metadata",
    [
        None,
        {},
        "Australia/Sydney",  # not an object
        {TIMEZONE_KEY: "UTC"},  # no country
        {TIMEZONE_KEY: "Etc/GMT+10"},
        {TIMEZONE_KEY: "Mars/Olympus_Mons"},
        {TIMEZONE_KEY: 10},
        {TIMEZONE_KEY: ["Australia/Sydney"]},
        {TIMEZONE_KEY: "Australia/Sydney" * 10},  # oversized
        {TIMEZONE_KEY: "' OR 1=1 --"},
    ],
)
def test_anything_else_in_the_metadata_gives_no_hint(metadata):
    assert timezone_region(metadata) is None
    assert region_hints("web-1", "socketio", metadata, HOME) == ()


def test_the_number_a_patient_texts_from_is_the_first_hint():
    sms = TwilioChannel(env={}).sender_id("+61491570006")
    cloud = WhatsAppChannel(env={}).sender_id("64211234567")
    assert region_hints(sms, "twilio", None, HOME) == ("AU",)
    assert region_hints(cloud, "whatsapp", None, HOME) == ("NZ",)
    # Texting from an Australian phone while the browser... says London: the phone first.
    assert region_hints(sms, "twilio", {TIMEZONE_KEY: "Europe/London"}, HOME) == ("AU", "GB")


def test_a_sender_id_from_another_channel_is_not_taken_for_a_phone():
    # A REST client can choose any sender id: only the phone channels' own ids count.
    assert region_hints("twilio:+61491570006", "rest", None, HOME) == ()


def test_the_clinic_region_and_repeats_are_not_hints():
    assert region_hints("web-1", "socketio", {TIMEZONE_KEY: "America/Chicago"}, HOME) == ()
    sms = TwilioChannel(env={}).sender_id("+61491570006")
    assert region_hints(sms, "twilio", {TIMEZONE_KEY: "Australia/Sydney"}, HOME) == ("AU",)


def test_countries_the_patient_named_rank_around_the_channels_hints():
    sms = TwilioChannel(env={}).sender_id("+61491570006")
    london = {TIMEZONE_KEY: "Europe/London"}
    # named with the number first, named earlier in the chat last; home and repeats dropped
    assert region_hints(
        sms, "twilio", london, HOME, named=("NZ", HOME), named_before=("IE", "AU")
    ) == ("NZ", "AU", "GB", "IE")
