"""Masking before staff read a message: phone numbers, emails, names, dates of birth."""

from __future__ import annotations

import pytest

from bot.privacy.masking import mask, mask_known_names


@pytest.mark.parametrize(
    "text, hidden, kept",
    [
        ("my name is dana price and my number is 07700 900123", ["dana", "price", "900123"], []),
        ("I'm Dana, call me on (202) 555-0123", ["Dana", "555-0123"], ["call me on"]),
        ("email me at dana.p@example.com please", ["dana.p@example.com"], ["please"]),
        ("Text +1 202 555 0143 after 5", ["202 555 0143"], ["after 5"]),
        ("this is John Smith here", ["John", "Smith"], []),
        ("Dana Price here, does it hurt?", ["Dana", "Price"], ["does it hurt?"]),
        ("does it hurt? thanks, Maria", ["Maria"], ["does it hurt?"]),
        ("born 14/03/1980, is it safe for me?", ["14/03/1980"], ["is it safe for me?"]),
        ("my DOB is 3rd of March 1975", ["March 1975", "3rd"], ["my DOB is"]),
        ("my date of birth: March 14, 1980", ["March 14, 1980"], []),
        ("I was born in 1956, am I too old?", ["1956"], ["am I too old?"]),
        ("me llamo Ana y mi número es +34 612 345 678", ["Ana", "612"], ["me llamo", "y mi"]),
        (
            "book here: https://clinic.example/book?name=Maria%20Lopez&email=m%40x.org now",
            ["Maria", "Lopez", "m%40x"],
            ["https://clinic.example/book?", " now"],
        ),
    ],
)
def test_details_are_masked(text, hidden, kept):
    masked = mask(text, "GB")
    for secret in hidden:
        assert secret not in masked, masked
    for words in kept:
        assert words in masked, masked
    assert "[" in masked


@pytest.mark.parametrize(
    "text",
    [
        "I'm worried about pain after the injections",
        "I am 45 years old, can I have PIT?",
        "I had 3 sessions in 2023 and 12 injections",
        "It's my knee, will 5 sessions be enough?",
        "is PIT safe in pregnancy?",
        "I'm Pregnant, is it ok",
        "how much is 1 session",
    ],
)
def test_ordinary_questions_are_left_alone(text):
    assert mask(text, "US") == text


def test_names_given_in_a_form_are_masked_everywhere():
    assert mask_known_names("Dana here again, is dana price booked?", ["Dana Price"]) == (
        "[name] here again, is [name] booked?"
    )
    assert mask("hi it's dana again", "US", ["Dana Price"]) == "hi it's [name] again"


@pytest.mark.parametrize("text", ["", " ", "\u200b", "☃" * 50, "9" * 400, "@" * 300, "[name]"])
def test_odd_input_is_handled(text):
    assert isinstance(mask(text, "US"), str)
