"""Issue 9: clinical categories, misspellings (rapidfuzz), ConText (medspaCy), Spanish."""

from __future__ import annotations

import pytest

from bot.safety.catalog import (
    REQUIRED_CUES,
    RedFlagCatalogError,
    get_red_flag_catalog,
    parse_catalog,
)
from tests.unit.safety.conftest import clinical_hits

CLINICAL = {
    "anaphylaxis",
    "infection_sepsis",
    "chest_cardiac",
    "breathing",
    "stroke",
    "fainting_head_injury",
    "self_harm",
    "overdose_poisoning",
    "heavy_bleeding",
    "new_weakness_numbness",
}


def test_catalog_covers_the_ten_clinical_categories_in_english_and_spanish():
    catalog = get_red_flag_catalog()
    assert set(catalog.clinical_categories) == CLINICAL
    for lang in ("en", "es"):
        assert {c.clinical for c in catalog.categories if c.lang == lang} == CLINICAL, lang


def test_catalog_rejects_an_entry_outside_the_clinical_categories():
    raw = {
        "severities": {"emergency": {"rank": 1, "response": "utter_x"}},
        "cues": {name: ["x"] for name in REQUIRED_CUES},
        "clinical_categories": {"breathing": "Breathing"},
        "categories": [
            {"key": "a", "category": "nonsense", "severity": "emergency", "patterns": ["x"]}
        ],
    }
    with pytest.raises(RedFlagCatalogError, match="category must be one of"):
        parse_catalog(raw)


@pytest.mark.parametrize(
    "text, category",
    [
        ("my mother fainted", "fainting_head_injury"),  # someone else, now: urgent
        ("i think i took way too many of my gabapentin", "overdose_poisoning"),
        ("hit my head when I fell and now I keep throwing up", "fainting_head_injury"),
        ("I used to get chest pain but now it's crushing", "chest_cardiac"),
        ("anaphalaxis i think, lips swolen", "anaphylaxis"),  # misspellings
        ("my dad is unconsious", "fainting_head_injury"),
        ("he isn't breathing", "breathing"),
    ],
)
def test_emergencies_are_caught(detector, text, category):
    assert category in clinical_hits(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        "my dad had a stroke in 2015, can he still have the injections?",
        "I had chest pain ten years ago but it was reflux",
        "what should I do if my lips swell after the injection?",
        "I was breathless with excitement after my first session",
        "there were fewer sessions than I expected",  # 'fewer' is not 'fever'
        "no tengo fiebre ni dolor de pecho",
        "mi abuelo tuvo un derrame hace años",
    ],
)
def test_near_misses_are_not_flagged(detector, text):
    assert detector.detect(text) == []


@pytest.mark.parametrize(
    "text, category",
    [
        ("no puedo respirar", "breathing"),
        ("se me están hinchando los labios", "anaphylaxis"),
        ("mi padre se desmayó y no responde", "fainting_head_injury"),
        ("ya no quiero vivir", "self_harm"),
        ("me tomé demasiadas pastillas", "overdose_poisoning"),
    ],
)
def test_spanish_emergencies_hit_spanish_entries(detector, text, category):
    catalog = get_red_flag_catalog()
    hits = detector.detect(text)
    assert any(
        catalog.category(h.key).lang == "es" and catalog.category(h.key).clinical == category
        for h in hits
    ), hits


def test_context_judge_reads_past_and_hypothetical():
    from bot.safety.context_rules import HISTORICAL, HYPOTHETICAL, ContextJudge

    catalog = get_red_flag_catalog()
    judge = ContextJudge(catalog.context, catalog.context_limits)  # as the detector builds it
    text = "my dad had a stroke in 2015"
    start = text.index("stroke")
    assert HISTORICAL in judge.modifiers(text, [(start, start + 6)])[0]
    text = "what should I do if my lips swell"
    start = text.index("lips")
    assert HYPOTHETICAL in judge.modifiers(text, [(start, len(text))])[0]
    text = "I had chest pain years ago but now it is back"
    assert judge.modifiers(text, [(text.index("back"), len(text))])[0] == set()


# Found on new blind training examples (2026-12-01): "fitting" was matched by its lemma, so
# every "fit" was a seizure; idioms and "getting" (as in "getting my ears pierced as a kid")
# read as emergencies now. Each idiom below sits next to a real emergency with the same word.
@pytest.mark.parametrize(
    "text",
    [
        "I keep fit by swimming, can I swim after?",
        "is PIT a good fit for me?",
        "My physio will have a fit if I skip my exercises. Can I still do them?",
        "my dad had a heart attack back in 2012 and he's been fit as a fiddle since",
        "my jaw hit the floor when my GP said sugar water injections. what is PIT??",
        "I nearly keeled over when I saw what the last clinic charged. What are your fees?",
        "I keeled over getting my ears pierced as a kid, never since. Will it feel like that?",
        "I had anaphylaxis to penicillin when I was about seven. Nothing like it since.",
        "grandad had a couple of seizures as a young man but none in forty years. is PIT ok?",
    ],
)
def test_idioms_and_long_past_events_are_not_emergencies(detector, text):
    assert detector.detect(text) == [], text


@pytest.mark.parametrize(
    "text",
    [
        "she had a fit and is shaking on the floor",
        "my son is having a fit",
        "he's fitting and won't stop",
        "I almost passed out after the injection and now my heart is racing",
        "she nearly fainted when she stood up after the shots and looks grey",
        "when I was about seven I had a seizure, now I'm having one again",
        "my husband collapsed after his session and is not responding",
    ],
)
def test_the_same_words_in_an_emergency_still_are_one(detector, text):
    assert clinical_hits(detector, text) & {"fainting_head_injury", "chest_cardiac"}, text
