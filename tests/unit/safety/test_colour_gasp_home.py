"""Round of 2026-12-04d (issue 9): lips with a blue tinge, "he's gasping", a hand "gone
completely dead", and a weakness that began "since I got home" from the clinic.

Sentences here are new ones written for these rules, not copies of any development set."""

from __future__ import annotations

import pytest

from bot.safety.red_flags import RedFlagDetector
from tests.unit.safety.conftest import clinical_hits


@pytest.mark.parametrize(
    "text, category",
    [
        ("her lips have a slight bluish colour and she keeps stopping to talk", "breathing"),
        ("dad's gasping on the sofa since the rib injections", "breathing"),
        ("she keeps gasping and can't get a word out", "breathing"),
        # "gone completely dead" is "became dead", not "went away"
        (
            "after the shot my hand has gone completely dead, can't grip a fork",
            "new_weakness_numbness",
        ),
        # home from the visit: a weakness that started then is new
        ("since I got home I can't lift my arm at all", "new_weakness_numbness"),
    ],
)
def test_reported_emergency_is_found(detector: RedFlagDetector, text: str, category: str) -> None:
    assert category in clinical_hits(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        "my lips aren't blue or grey, I checked in the mirror",
        "no bluish lips, breathing fine, just a sore spot",
        "I was gasping after the stairs years ago before I got fit",
    ],
)
def test_calm_message_is_not_flagged(detector: RedFlagDetector, text: str) -> None:
    assert not clinical_hits(detector, text)
