"""Emergencies and near misses of the kinds the blind development set
tests/safety/dev/blind_2026_12_07b.yml showed missing: Scots and Caribbean English, Spanglish,
deadpan, and stories from television, podcasts and games. Fixed by kind, never by sentence:
every sentence here is new, written for these tests."""

from __future__ import annotations

from typing import Dict, List, Tuple

import pytest

from bot.safety.lexicon import REGIONAL_WORDS, Lexicon
from bot.safety.red_flags import default_nlp
from bot.safety.text import normalise_keeping_offsets
from tests.unit.safety.conftest import by_kind, clinical_hits

NEAR_MISSES: Dict[str, List[str]] = {
    "symptoms denied in Scots or Caribbean English": [
        "nae bleedin, nae temperature, jist a wee bit sair. Is that normal?",
        "he didnae pass out, he isnae numb, he's just tired",
        "mi nuh have nuh swelling an mi nuh faint, everyting good",
    ],
    "a past told as 'N years back' or 'hace un montón de años'": [
        "three years back I collapsed at work, it was low sugar, fine since",
        "hace un montón de años me dio un infarto, ahora estoy bien",
    ],
    "a story from a show, its rerun or a podcast": [
        "caught a rerun of Casualty, a lad collapsed in the car park, anyway are you open Monday?",
        "that documentary showed a woman having an overdose, really sad. Is dextrose a drug?",
        "en la novela de ayer un señor se desmayó en la boda, qué drama. ¿Mi cita es el lunes?",
    ],
    "a year typed with an apostrophe, or years told before": [
        "had a bad allergic reaction to penicillin back in '09, fine ever since",
        "three years before I had a clot in my leg, all treated, can I have the shots?",
        "a mi abuelo le dio un derrame hace como doce años, ahora está muy bien",
    ],
    "'chill' as slang for calm": [
        "no fever, pulse chill at 70, the nurse was super chill too",
    ],
    "figures of speech from sport and bills": [
        "we were choking in the final again, typical. Can I book after the weekend?",
        "I can't breathe with these prices lol, is there a cheaper package?",
    ],
}

EMERGENCIES: Dict[str, List[Tuple[str, str]]] = {
    "Scots and Caribbean English": [
        ("I cannae breathe right and ma lips are goin blue", "breathing"),
        ("she isnae breathin, she's no movin", "breathing"),
        ("mi cyaan feel mi leg since di injection dem", "new_weakness_numbness"),
        ("after the jags in ma neck I cannae move ma hand", "new_weakness_numbness"),
        ("mi jus waan dead, mi tired", "self_harm"),
    ],
    "a passive wish told as not minding": [
        ("tbh I wouldn't care if I never woke up again", "self_harm"),
    ],
    "blue lips told as a colour or a shade": [
        ("my son's lips have gone a weird bluey grey colour and he's wheezing", "breathing"),
        ("her fingernails are a strange shade of purple and she is gasping", "breathing"),
    ],
    "a face that works on one side": [
        ("his smile only goes up on one side now and he's slurring", "stroke"),
    ],
    "bleeding told by the body part": [
        ("my finger is spurting after the knife slipped", "heavy_bleeding"),
        ("the cut on my arm is seeping through every towel I put on it", "heavy_bleeding"),
        ("ya empapé tres toallas con la sangre de la herida", "heavy_bleeding"),
    ],
    "pills with drink, told loosely": [
        ("took my oxy with a whole bottle of gin and I feel really weird", "overdose_poisoning"),
        ("had loads of drinks then took like 10 of my sleeping tablets", "overdose_poisoning"),
        ("me he tragado toda la caja de ibuprofeno", "overdose_poisoning"),
    ],
    "weakness in Spanglish": [
        ("since the shots my hand está numb y no la puedo mover", "new_weakness_numbness"),
    ],
    "weakness after the injection, dragged or not felt": [
        ("since the shots this morning I can barely drag my left leg", "new_weakness_numbness"),
        ("after the injection I can't feel my foot at all", "new_weakness_numbness"),
    ],
}


@pytest.mark.parametrize("kind, text", by_kind(NEAR_MISSES))
def test_near_misses_in_regional_words_and_stories_are_not_reports(detector, kind, text):
    assert not detector.detect(text), (kind, text)


@pytest.mark.parametrize("kind, text, category", by_kind(EMERGENCIES))
def test_emergencies_in_regional_words_are_read(detector, kind, text, category):
    assert category in clinical_hits(detector, text), (kind, text)


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon(default_nlp())


@pytest.mark.parametrize("typed, word", [("gaspin", "gasping"), ("swellin", "swelling")])
def test_an_ing_word_typed_without_its_g_reads_as_the_word(lexicon, typed, word):
    assert lexicon.token(typed) == lexicon.token(word)[:1] + (word,)


@pytest.mark.parametrize("word", ["within", "cabin", "insulin", "begin"])
def test_real_words_ending_in_in_are_kept(lexicon, word):
    assert lexicon.token(word)[1] == word


def test_regional_words_leave_out_words_with_another_common_meaning():
    # "ma" is also "mother", "mi" the Spanish "my", "aw" a sigh, "di" the Spanish "I gave"
    assert not {"ma", "mi", "aw", "di"} & set(REGIONAL_WORDS)


def test_no_foot_or_hand_without_an_injection(detector):
    # chronic neuropathy, no injection named: not a new weakness after PIT
    assert "new_weakness_numbness" not in clinical_hits(
        detector, "I can't feel my feet in the morning, it's my diabetes"
    )


@pytest.mark.parametrize(
    "typed, year", [("in '04.", "2004"), ("back in \u201898 I", "1998"), ("(\u201930)", "2030")]
)
def test_a_two_digit_year_with_an_apostrophe_reads_as_the_year(typed, year):
    assert year in normalise_keeping_offsets(typed).text


@pytest.mark.parametrize("typed", ["rock 'n' roll", "the '90s", "it's 'ok'", "a '123' code"])
def test_other_apostrophes_stay(typed):
    assert "'" in normalise_keeping_offsets(typed).text


def test_a_real_chill_is_still_read(detector):
    assert "infection_sepsis" in clinical_hits(detector, "since the shots I have a chill and 39.2")
