"""Red flags that depend on numbers and on how a sentence is read (issue 9, round of
2026-12-03): numbers among other words, counts of ten tablets or more, "passing blood" not
read as "it passed", the injection named by its body part, and reports asked as questions.
Sentences here are new ones written for these rules, not copies of any development set."""

from __future__ import annotations

import pytest

from bot.safety.catalog import get_red_flag_catalog
from bot.safety.lexicon import Lexicon
from bot.safety.phrases import PhraseCompiler


def clinical_hits(detector, text):
    catalog = get_red_flag_catalog()
    return {catalog.category(h.key).clinical for h in detector.detect(text)}


def _matches(detector, phrase: str, text: str) -> bool:
    """Whether ``phrase`` alone matches ``text`` (a matcher of its own, on the detector's
    lexicon and lemma keys)."""
    from spacy.matcher import Matcher
    from spacy.tokens import Doc

    lexicon: Lexicon = detector.lexicon
    compiler = PhraseCompiler(lexicon, get_red_flag_catalog().words)
    matcher = Matcher(detector.nlp.vocab)
    matcher.add("P", compiler.compile(phrase))
    keys = [lexicon.token(t.text)[0] or "_" for t in detector.nlp.make_doc(text.lower())]
    return bool(matcher(Doc(detector.nlp.vocab, words=keys)))


def test_a_number_among_other_choices_is_a_number_not_the_word_num(detector):
    assert _matches(detector, "bled for #num|several hours", "bled for 3 hours")
    assert _matches(detector, "bled for #num|several hours", "bled for several hours")
    assert not _matches(detector, "bled for #num|several hours", "bled for num hours")


def test_many_is_ten_or_more_in_digits(detector):
    assert _matches(detector, "took #many pills", "took 12 pills")
    assert _matches(detector, "took #many pills", "took 200 pills")
    assert not _matches(detector, "took #many pills", "took 2 pills")
    assert not _matches(detector, "took #many pills", "took 05 pills")


@pytest.mark.parametrize(
    "text, category",
    [
        # counts and durations written in digits
        ("my cut from the needle has bled for 2 hours", "heavy_bleeding"),
        ("swallowed 14 advil since breakfast", "overdose_poisoning"),
        ("i took 30 of my paracetamol", "overdose_poisoning"),
        ("me tomé 25 pastillas de ibuprofeno", "overdose_poisoning"),
        # "passing" blood is not a symptom that "passed"
        ("I'm passing clots when I pee", "heavy_bleeding"),
        ("been through 6 towels and it keeps coming", "heavy_bleeding"),
        ("vomited twice and the second time it was mostly blood", "heavy_bleeding"),
        ("his stools have turned black and sticky", "heavy_bleeding"),
        # the injection named by its body part ("the hip shots")
        ("since the hip shots i can't lift my leg at all", "new_weakness_numbness"),
        # a report asked as a question
        ("is it normal that my foot won't move since the ankle jabs?", "new_weakness_numbness"),
        # "first time ever" is no general question
        ("had a seizure this morning, first time ever", "fainting_head_injury"),
        # FAST signs in lay words
        ("my gran's mouth is drooping down on the left and her talk is all jumbled", "stroke"),
        ("he keeps saying gibberish and can't find words", "stroke"),
        ("a mi tío se le nubló la vista de un ojo, perdió la vista de golpe", "stroke"),
        # passive wishes and means
        ("i just want everything to stop for good", "self_harm"),
        ("the car is running and I've shut the garage door", "self_harm"),
    ],
)
def test_generalised_emergencies_are_caught(detector, text, category):
    assert category in clinical_hits(detector, text), text


@pytest.mark.parametrize(
    "text",
    [
        "took 15 mg of oxycodone for years before, can I still have PIT?",
        "I take 2 ibuprofen when my knee flares",
        "my mum had a fit about the parking fees",
        "what happens if I ever get a nosebleed after the injection?",
        "is it normal to get a bruise after the shots?",
        "sepsis a while back after surgery, fully recovered, can I have injections?",
        "I'm a fainter with needles, can I lie down for the injections?",
    ],
)
def test_look_alikes_stay_calm(detector, text):
    assert clinical_hits(detector, text) == set(), text
