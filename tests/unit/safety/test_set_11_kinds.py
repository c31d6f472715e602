"""Emergencies and near misses of the kinds the blind development set
tests/safety/dev/blind_2026_12_11.yml showed missing: a history named after the report in
clinical shorthand ("hx of CAD": it looks forward, ConText's "history of"), a dose taken
"three times over", a drink "on top of" the pills, "ingested" in a nurse's words, pills
before "took way too many", laundry pods, a tongue "doubled in size", a hand that "won't do
what I tell it", Spanglish "doble dose"; and near misses dated by a bare time in the next
sentence ("Bee sting, 1996.") or two sentences on, "since diagnosed", "when I was
teenager", "havnt had", Spanish what-ifs and risks ("¿me puede dar un infarto?"), "blood,
sweat and tears", "rather die than" a chore, "bye forever lol". Fixed by kind, never by
sentence: every sentence here is new, written for these tests."""

from __future__ import annotations

from typing import Dict, List, Tuple

import pytest

from tests.unit.safety.conftest import by_kind, clinical_hits

DOSE = "overdose_poisoning"

EMERGENCIES: Dict[str, List[Tuple[str, str]]] = {
    "a history named after the report, in clinical shorthand": [
        ("crushing chest pain for 20 min, sweaty, pmh of angina", "chest_cardiac"),
        ("Sudden slurred speech and left arm weakness, history of AF.", "stroke"),
    ],
    "a dose taken again and again, a drink on top, clinical 'ingested', pills then 'too many'": [
        ("pretty sure I took my night pills twice over, feel so woozy", DOSE),
        ("had a few beers on top of the tramadol and now I can't stay awake", DOSE),
        ("Patient ingested 20 tablets of diazepam 30 min ago, drowsy.", DOSE),
        ("pills 💊 I took way too much of them and my heart is pounding", DOSE),
        ("my toddler bit a dishwasher tablet from under the sink", DOSE),
        ("mi hermano se tomó doble dosis de su insulina y está temblando", DOSE),
    ],
    "a tongue doubled in size, a hand that won't do what it's told": [
        ("my lips have doubled in size since the jabs and I'm wheezy", "anaphylaxis"),
        ("mum's left hand won't do what she wants and her words are coming out wonky", "stroke"),
        ("dolor muy fuerte y opresivo en el pecho desde hace media hora", "chest_cardiac"),
    ],
}

NEAR_MISSES: Dict[str, List[str]] = {
    "dated by a bare time in the next sentence, or two on": [
        "Throat swelled shut after shellfish. Summer of 2009. Is PIT safe with allergies?",
        "Passed out at a wedding. It was the heat, nothing more. That was six years ago.",
    ],
    "settled since, a youth without its article, a misspelt denial": [
        "Dad had a heart attack in 2017, since treated with stents. He wants PIT for his knee.",
        "I had seizures when I was teenager, none since 20 years. Can I have PIT?",
        "havnt had any fever or pus since my first session, is 2 weeks between ok?",
    ],
    "Spanish what-ifs and risks": [
        "¿Esto le puede provocar un derrame a mi madre? Tiene 80 años.",
        "¿Hay peligro de que me dé un infarto si tengo la presión alta?",
        "¿Qué pasaría si no puedo respirar bien durante la sesión?",
    ],
    "sayings and jokes": [
        "Blood, sweat and tears went into finding a parking spot, ha",
        "I'd rather die than wear those paper gowns again, can I keep my shorts on?",
        "Goodbye forever haha, the knee is fixed, thanks team",
        "I always get faint at the sight of needles, can I lie down?",
        "there's a faint purplish mark where the needle went, normal?",
    ],
}


@pytest.mark.parametrize("kind, text, category", by_kind(EMERGENCIES))
def test_emergencies_of_set_11s_kinds_are_read(detector, kind, text, category):
    assert category in clinical_hits(detector, text), (kind, text)


@pytest.mark.parametrize("kind, text", by_kind(NEAR_MISSES))
def test_near_misses_of_set_11s_kinds_are_not_reports(detector, kind, text):
    assert not detector.detect(text), (kind, text)


@pytest.mark.parametrize(
    "text, category",
    [
        # a time in the next sentence dates nothing told in the present
        ("My chest is crushing and I'm sweating. 2019 was my last heart attack.", "chest_cardiac"),
        # a short time sentence that is now, not a past
        ("Took 25 of my pills. 10 min ago. Feel sleepy.", DOSE),
        # "rather die than go on" is no chore
        ("honestly I'd rather die than go on like this", "self_harm"),
        # a settled history of one thing leaves a new report standing
        ("had a stroke in 2015, since recovered, but right now my face is drooping", "stroke"),
    ],
)
def test_dates_and_sayings_do_not_hide_an_emergency(detector, text, category):
    assert category in clinical_hits(detector, text), text
