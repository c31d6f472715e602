"""Red flags that depend on numbers and on how a sentence is read (issue 9, round of
2026-12-03): numbers among other words, counts of ten tablets or more, "passing blood" not
read as "it passed", the injection named by its body part, and reports asked as questions.
Sentences here are new ones written for these rules, not copies of any development set."""

from __future__ import annotations

import pytest

from bot.safety.catalog import get_red_flag_catalog
from bot.safety.lexicon import Lexicon
from bot.safety.phrases import PhraseCompiler
from tests.unit.safety.conftest import clinical_hits


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
        ("got them all lined up, ready to swallow them all", "self_harm"),
        ("everyone's life would be simpler if I wasn't around", "self_harm"),
        # a relative's past-tense report is a report, even when asked as a question
        (
            "grandpa swallowed a whole month of his blister pack in one go, is that bad?",
            "overdose_poisoning",
        ),
        ("took my evening dose twice by mistake and now I'm really woozy", "overdose_poisoning"),
        # a line that read "not ... numb" as one phrase: the face that went numb on one side
        ("one side of my face has gone numb", "stroke"),
        ("my hand won't work and my speech sounds slurred", "stroke"),
        ("so confused and burning up since last night", "infection_sepsis"),
        ("sore jaw, arm aching and I'm in a cold sweat", "chest_cardiac"),
        ("held a towel on it for 20 minutes and it's still pouring", "heavy_bleeding"),
        ("my thumb won't bend since the wrist jab", "new_weakness_numbness"),
        # something else stopped, or it came back: still a red flag
        ("my foot went numb after the shots but it stopped tingling", "new_weakness_numbness"),
        # new without naming an injection: "suddenly", "since this morning"
        ("my left arm suddenly won't lift", "new_weakness_numbness"),
        ("mum's leg has gone dead since this morning", "new_weakness_numbness"),
        # the question's own answer: "already did it"
        ("is 12 of my tramadol at once too much? already took them", "overdose_poisoning"),
        # bladder, bowel and saddle signs in lay words
        (
            "peed myself in the shop without noticing, had back injections on friday",
            "new_weakness_numbness",
        ),
        ("haven't peed for 15 hours since the spine shots", "new_weakness_numbness"),
        ("the saddle area has gone numb", "new_weakness_numbness"),
        ("me hice pis encima sin darme cuenta", "new_weakness_numbness"),
        # goodbyes, means and places
        ("I've made up my mind and I'm at peace, goodbye everyone", "self_harm"),
        ("there's a noose in the shed", "self_harm"),
        ("ya me despido, solo queria despedirme de ustedes", "self_harm"),
        # sudden vision loss, acute confusion, breath between words
        ("can't see out of my right eye since lunch", "stroke"),
        ("grandpa doesn't know what year it is all of a sudden", "stroke"),
        ("I can only get 3 words out before I need air", "breathing"),
        # a loss that goes on "anymore" is no symptom that went away
        ("since the back shots I can't feel my toes anymore", "new_weakness_numbness"),
        # "the shots went fine ... but now": the injection named as something that happened
        ("the shots went fine, but now my hand won't grip", "new_weakness_numbness"),
        (
            "is it normal for stools to be black like tar? it's been like this since monday",
            "heavy_bleeding",
        ),
        ("he can't move his foot, it just dangles", "new_weakness_numbness"),
        ("se me duerme todo el brazo y sube hacia el hombro, que hago", "new_weakness_numbness"),
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
        # the symptom itself went away
        "my hand went numb for a few minutes after the injection, but it went away",
        "overdosed once as a teenager, long since over",
        # someone else's past, now settled
        "my daughter had a fit when she was little, she's 12 now and has knee pain",
        "my leg was numb for an hour after last time's shots, then came back totally fine",
        "my knee feels weak when I climb stairs, can PIT help?",
        "is it dangerous to take 3 ibuprofen a day with the injections?",
    ],
)
def test_look_alikes_stay_calm(detector, text):
    assert clinical_hits(detector, text) == set(), text
