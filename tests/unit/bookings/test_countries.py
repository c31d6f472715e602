"""Countries a patient names when asked where a phone number is from, and the number read
in the country they name (bot/bookings/countries.py, bot/bookings/validation.py)."""

from __future__ import annotations

import pytest

from bot.bookings.countries import (
    country_name,
    names_a_country,
    regions_named,
    regions_of_calling_code,
)
from bot.bookings.validation import (
    ForeignPhone,
    InvalidPhone,
    normalise_phone,
    phone_in_named_country,
)


@pytest.mark.parametrize(
    "text, region",
    [
        ("Australia", "AU"),
        ("it's an australian mobile", "AU"),
        ("Aussie number", "AU"),
        ("UK", "GB"),
        ("from the U.K.", "GB"),
        ("Scotland", "GB"),
        ("new zealand", "NZ"),
        ("NZ", "NZ"),
        ("Republic of Ireland", "IE"),
        ("irish", "IE"),
        ("Soy de México", "MX"),
        ("número colombiano", "CO"),
        ("chilena", "CL"),
        ("España", "ES"),
        ("Canadian", "CA"),
        ("italian", "IT"),
        ("German", "DE"),
        ("lebanese", "LB"),
        ("nigerian", "NG"),  # Nigeria, not Niger: the longest name wins
        ("South Africa", "ZA"),
        ("Philippines", "PH"),
    ],
)
def test_a_country_is_named_by_its_name_its_people_or_a_short_form(text: str, region: str):
    assert regions_named(text) == (region,)
    assert names_a_country(text)


@pytest.mark.parametrize(
    "text",
    ["call me", "hello", "my chin", "the camera", "yes", "in English please", "call us", ""],
)
def test_ordinary_words_name_no_country(text: str):
    assert regions_named(text) == ()
    assert not names_a_country(text)


def test_us_states_that_look_like_countries_are_the_us():
    assert regions_named("I'm in Indiana") == ("US",)
    assert regions_named("New Jersey") == ("US",)
    assert regions_named("Indian") == ("IN",)


def test_a_calling_code_alone_names_its_countries():
    assert regions_of_calling_code("+61")[0] == "AU"
    assert regions_of_calling_code("country code is 64") == ("NZ",)
    assert "GB" in regions_of_calling_code("44")
    assert regions_of_calling_code("0412345678") == ()
    assert regions_of_calling_code("Australia") == ()
    assert regions_of_calling_code("999") == ()  # no such calling code
    assert names_a_country("+353")


def test_country_names_for_messages():
    assert country_name("AU") == "Australia"
    assert country_name("GB") == "United Kingdom"


def test_a_number_of_another_country_is_kept_to_ask_which_country():
    with pytest.raises(ForeignPhone) as caught:
        normalise_phone("0412345678", "US")
    assert caught.value.code == "phone_other_country"
    assert caught.value.local == "0412345678"
    assert "which country" in caught.value.hint
    assert "0412" not in caught.value.hint  # never repeats what was typed


@pytest.mark.parametrize(
    "local, reply, e164",
    [
        ("0412345678", "Australia", "+61412345678"),
        ("0412345678", "+61", "+61412345678"),
        ("0412345678", "it's an Aussie mobile", "+61412345678"),
        ("021 234 5678", "New Zealand", "+64212345678"),
        ("07400 123456", "uk", "+447400123456"),
        ("087 123 4567", "Ireland", "+353871234567"),
        ("300 123 4567", "es un número colombiano", "+573001234567"),
    ],
)
def test_the_kept_number_is_read_in_the_country_named(local: str, reply: str, e164: str):
    assert phone_in_named_country(local, reply) == e164


def test_a_reply_naming_no_country_is_no_answer_to_which_country():
    assert phone_in_named_country("0412345678", "what does it cost?") is None


def test_a_country_the_number_is_not_from_is_refused_with_its_own_example():
    with pytest.raises(InvalidPhone) as caught:
        phone_in_named_country("0412345678", "UK")
    assert caught.value.code == "phone_not_in_country"
    assert "United Kingdom" in caught.value.hint and "+44" in caught.value.hint
    assert "0412" not in caught.value.hint
