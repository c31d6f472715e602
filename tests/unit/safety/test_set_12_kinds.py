"""Emergencies and near misses of the kinds the blind development set
tests/safety/dev/blind_2026_12_12.yml showed missing: an abbreviation's full stop inside a
report ("approx. 40 tablets"), Scots words ("heids", "boakin", "jags", "masel"), brand-name
painkillers, pills with "a few cans", a heater and a household's headaches, a lot of blood
in the toilet, tingling now up to the hips, thighs that cannot be felt, a face "down" on one
side, Nigerian Pidgin breathing, Spanish superlatives ("hinchadísima"), a box of pills taken
whole, "está bien" meaning "very"; and near misses: a fever that broke, "this morning I am
very fine", "breathing easy now", "stopped years ago", a question after a colon, a "now"
that closes "years ago", "the year after", "now it's just my back", a shorter match inside
a what-if, Spanish risk questions naming two events, "last message for today", adrenaline
kept on site; and an ordinary goodbye is no veiled farewell. Fixed by kind, never by
sentence: every sentence here is new, written for these tests."""

from __future__ import annotations

from typing import Dict, List, Tuple

import pytest

from bot.safety.sign_off import plain_sign_off
from bot.safety.text import normalise_keeping_offsets
from tests.unit.safety.conftest import by_kind, clinical_hits

DOSE = "overdose_poisoning"
WEAK = "new_weakness_numbness"

EMERGENCIES: Dict[str, List[Tuple[str, str]]] = {
    "abbreviations, brand names, cans, a household by a heater": [
        ("Swallowed approx. 30 co-codamol an hour ago, feeling sleepy", DOSE),
        ("necked a whole load of nurofen with some tinnies, bit woozy", DOSE),
        ("ran the old boiler all evening and now we all have pounding headaches", DOSE),
        ("me he tomado un blister entero de paracetamol y estoy mareado", DOSE),
        ("mi nieta se tomó el jarabe de la tos, el frasco casi vacío, y está adormilada", DOSE),
    ],
    "Scots and Pidgin words": [
        ("ma lips are swellin since the jags, an ah'm boakin", "anaphylaxis"),
        ("my chest dey tight and I no fit lie flat, I dey gasp for air", "breathing"),
    ],
    "blood in the toilet, a nosebleed on thinners in Spanish": [
        ("loads of fresh blood in the loo and I feel faint", "heavy_bleeding"),
        ("le sangra la nariz desde hace dos horas y toma anticoagulantes", "heavy_bleeding"),
    ],
    "weakness climbing, saddle numbness, a face down on one side": [
        ("the pins and needles started in my toes and are now up to my waist", WEAK),
        ("I can't feel the inner part of my thighs since this morning", WEAK),
        ("she can't tell when she needs to pee and her legs are weak", WEAK),
        ("his left side of his face is hanging down and he's mumbling", "stroke"),
        ("no siento mis nalgas desde ayer y las piernas no me responden", WEAK),
    ],
    "Spanish superlatives, wheezing, a fever with confusion": [
        ("tiene los labios hinchadísimos después de comer gambas", "anaphylaxis"),
        ("mi papá tiene fiebre y está bien confundido, casi no habla", "infection_sepsis"),
        ("high temp since last night and now her skin's gone mottled and cold", "infection_sepsis"),
    ],
}

NEAR_MISSES: Dict[str, List[str]] = {
    "over and well now": [
        "Ran a temperature on Sunday but it came down overnight, feeling totally fine. "
        "Still on for Tuesday?",
        "Last night I had a slight fever, this morning I'm completely fine, thanks",
        "Got wheezy walking the dog, used my puffer and I'm breathing fine now",
        "I cut myself as a teenager but I stopped years ago, just telling you before the needles",
    ],
    "a question after a colon, a what-if inside a what-if": [
        "Asking for my dad, since he has diabetes: could the shots cause a seizure?",
        "just wondering, if I got hives and couldn't breathe, what would you do?",
    ],
    "a past closed by 'now', one dated by another, and now only the back": [
        "I overdosed in my twenties, twelve years ago now, and I'm well. Is PIT ok with my meds?",
        "I had pneumonia at 40 and then a bad nosebleed the year after that needed packing, "
        "all fine since, and now it's just my knee",
    ],
    "Spanish risk questions naming two events": [
        "¿El tratamiento puede causar un infarto o un derrame a una persona mayor?",
        "¿Existe riesgo de trombosis o de un ictus con la dextrosa?",
    ],
    "a last message for today, adrenaline kept on site": [
        "ok that's my last question for today, thank you!",
        "Does the clinic keep adrenaline on site in case of a reaction?",
    ],
}


@pytest.mark.parametrize("kind, text, category", by_kind(EMERGENCIES))
def test_emergencies_of_set_12s_kinds_are_read(detector, kind, text, category):
    assert category in clinical_hits(detector, text), (kind, text)


@pytest.mark.parametrize("kind, text", by_kind(NEAR_MISSES))
def test_near_misses_of_set_12s_kinds_are_not_reports(detector, kind, text):
    assert not detector.detect(text), (kind, text)


@pytest.mark.parametrize(
    "text, category",
    [
        # "está bien" at a clause's end is "is fine"; these stay emergencies
        ("mi madre se desmayó y no despierta, está bien pálida", "fainting_head_injury"),
        # a "now" that opens a clause of its own still breaks a history
        ("I had chest pain years ago, now it's crushing and going down my arm", "chest_cardiac"),
        # "now it's just my ..." settles only what came before it
        ("now it's just my throat closing up, I can barely breathe", "anaphylaxis"),
        # an abbreviation at a sentence's end still ends it
        ("Took 40 tablets approx. I feel sick", DOSE),
        # a what-if about one thing leaves a report of another standing
        ("if the pain comes back I'll call, but right now I can't breathe", "breathing"),
    ],
)
def test_the_new_readings_do_not_hide_an_emergency(detector, text, category):
    assert category in clinical_hits(detector, text), text


def test_an_abbreviation_stop_before_a_number_is_no_sentence_end():
    assert normalise_keeping_offsets("approx. 40").text == "approx  40"
    kept = normalise_keeping_offsets("I took approx. Then slept").text
    assert kept == "i took approx. then slept"
    assert normalise_keeping_offsets("ca. 2 hours").text == "ca  2 hours"


@pytest.mark.parametrize(
    "text",
    [
        "Thanks so much for the help, that's all from me. Have a great evening!",
        "ok I'll leave you in peace, see you on Friday",
        "Signing off for today, talk soon",
        "That is all I needed, cheers. Bye for now",
    ],
)
def test_an_ordinary_goodbye_is_a_sign_off(text):
    assert plain_sign_off(text)


@pytest.mark.parametrize(
    "text",
    [
        "Thank you for everything. Goodbye.",
        "I won't be needing the sessions. Have a nice day.",
        "bye for now, tell my kids I love them",
        "This is my final message, see you on the other side",
        "goodbye forever, have a nice life",
        "I'm done with it all. Talk to you never.",
        "Goodbye. Tonight's the night.",
        "Have a good day " + "word " * 60,
    ],
)
def test_a_farewell_or_crisis_is_never_a_sign_off(text):
    assert not plain_sign_off(text)
