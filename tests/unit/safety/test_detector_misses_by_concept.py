"""Emergencies of the kinds the development sets (tests/safety/dev/) showed the catalog
leaving to the learned nets alone: a decision to die, not trusting oneself to stay safe,
sitting with the means, no point in waking up; a bottle or handful swallowed, a whole sheet
taken, several times the dose, empty packets beside someone on the floor; a limb that will
not obey, no control of the toilet, unable to walk or pass water; vision gone double or
half lost; breathing "through a straw"; a nosebleed counted in hours, clots the size of a
palm; someone collapsed who may not be breathing or is not responding. Each is a concept,
never one sentence: every sentence here is new, written for these tests. And the near
misses those concepts must leave alone (hair dye, a barber's razor, a website that is not
responding, a question about a double dose)."""

from __future__ import annotations

from typing import Dict, List, Tuple

import pytest

from tests.unit.safety.conftest import by_kind, clinical_hits

DOSE = "overdose_poisoning"
WEAK = "new_weakness_numbness"
SELF = "self_harm"
FAINT = "fainting_head_injury"

EMERGENCIES: Dict[str, List[Tuple[str, str]]] = {
    "a decision to die, no safety, the means at hand, no point waking": [
        ("honestly I have decided to die this weekend, sorry", SELF),
        ("not sure I can keep myself safe if I go home tonight", SELF),
        ("I cant keep myself safe anymore", SELF),
        ("been sat in the shed with a rope for an hour now", SELF),
        ("sitting by the river with my shotgun, the pain won", SELF),
        ("I don't see any point in waking up again", SELF),
    ],
    "a bottle or handful swallowed, a sheet taken, times the dose": [
        ("I've swallowed a handful of my gabapentin on purpose", DOSE),
        ("she downed a box of paracetamol about an hour ago", DOSE),
        ("I took the whole strip of co-codamol at once", DOSE),
        ("think I took five times my dose of tramadol, very drowsy", DOSE),
        ("my brother is on the floor and there are empty packets everywhere", DOSE),
    ],
    "a limb that will not obey, the toilet, walking": [
        ("since lunch my right hand won't do what I want, it just flops", WEAK),
        ("both legs not listening to me since the back injections", WEAK),
        ("I can't control my bladder since this morning and my legs are weak", WEAK),
        ("I can't walk and can't pee since the session", WEAK),
    ],
    "vision doubled or halved": [
        ("all of a sudden my sight went double and my speech is slurry", "stroke"),
        ("I have lost the left half of my vision in the last hour", "stroke"),
    ],
    "a nosebleed counted in hours, a misspelt bleed, clots the size of a palm": [
        ("nose bleed going on 3 hours now, tried pinching it", "heavy_bleeding"),
        ("the back of my knee wont stop bleding where you injected", "heavy_bleeding"),
        ("passing clots as big as my palm, soaked two pads already", "heavy_bleeding"),
    ],
    "breathing through a straw": [
        ("feels like I'm breathing through a straw since the shot in my neck", "breathing"),
    ],
    "collapsed, not breathing or not responding": [
        ("mum fell in the kitchen and I can't tell whether she's breathing", FAINT),
        ("my husband slumped in his chair and he's not responding to me", FAINT),
    ],
}

NEAR_MISSES: Dict[str, List[str]] = {
    "dye, a hill to die on, a barber's razor": [
        "I decided to die my hair purple before the appointment, is that ok?",
        "parking fees are the hill I've decided to die on, sorry",
        "sitting at the barber's while he used the razor on my neck, is that ok near the shots?",
    ],
    "not a person, a question, an ordinary early start": [
        "your booking page is not responding on my phone",
        "can I take double my dose of ibuprofen before the session?",
        "I don't see the point of waking up at 6 for a 2pm appointment",
        "my kids are not listening to me about tidying up",
    ],
}


@pytest.mark.parametrize("kind, text, category", by_kind(EMERGENCIES))
def test_emergencies_the_catalog_left_to_the_nets_are_read(detector, kind, text, category):
    assert category in clinical_hits(detector, text), (kind, text)


@pytest.mark.parametrize("kind, text", by_kind(NEAR_MISSES))
def test_their_near_misses_are_not_reports(detector, kind, text):
    assert not detector.detect(text), (kind, text)
