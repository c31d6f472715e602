"""What is happening now versus what is over (issue 9, round of 2026-12-04b).

A present-tense age ("I'm in my thirties") or a place someone is now ("my son is at school")
once read as a past and hid the emergency after it. A time of life or a place counts as a past
only when the message says all is well now. "but still ..." after "he's ok now" takes the
"ok" back; "or" carries a "not" on; a key held down ("numbb") is the word; words the catalog
spells out are never corrected to a red-flag word. Sentences here are new ones written for
these rules, not copies of any development set."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.safety.red_flag_classifier import RedFlagClassifier
from tests.unit.safety.conftest import clinical_hits


@pytest.mark.parametrize(
    "text, category",
    [
        # an age said in the present is no past
        ("I'm in my thirties and my throat is closing up", "anaphylaxis"),
        ("She is in her 40s and her face is drooping on one side", "stroke"),
        (
            "im in my 50s, had the injection an hour ago and my leg is numb and wont move",
            "new_weakness_numbness",
        ),
        # where someone is now is no past
        ("my daughter is at school and the nurse says she can't breathe", "breathing"),
        ("my son collapsed at school and isn't breathing", "fainting_head_injury"),
        ("back in the car after the injection and my throat is closing", "anaphylaxis"),
        # "ok now but still ..." is not well
        (
            "my son collapsed at school, he's ok now but still confused and vomiting",
            "fainting_head_injury",
        ),
        # a key held down
        ("numbb between my legs since this morning after the back shots", "new_weakness_numbness"),
    ],
)
def test_what_is_happening_now_is_a_red_flag(detector, text, category):
    assert category in clinical_hits(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        "I was in my thirties when I had anaphylaxis to nuts, fine since.",
        "my friend overdosed in college, she's ok now, painkillers make me nervous",
        "My cousin fainted at school years ago and was fine after, is it genetic?",
        "I didn't faint or hit my head, just felt queasy after the session.",
        "I had a pulmonary embolism in 2021, off blood thinners now. Is PIT ok?",
        "De joven intenté hacerme daño, ya lo superé hace mucho. ¿Puedo hacerme PIT?",
        "back in 2015 I was throwing up blood from an ulcer, fixed now no problems since",
    ],
)
def test_what_is_over_or_denied_is_not_a_red_flag(detector, text):
    assert clinical_hits(detector, text) == set()


def test_a_time_of_life_is_a_past_only_when_all_is_well_now(detector):
    assert clinical_hits(detector, "my friend overdosed in college, she's ok now") == set()
    assert "overdose_poisoning" in clinical_hits(
        detector, "my friend overdosed in college, she is not waking up"
    )


@pytest.mark.parametrize(
    "text, over",
    [
        ("my dad had a big heart attack back in 2005, he's still going strong", True),
        ("Years ago I went through a dark patch. I'm well now.", True),
        ("Years ago I went through a dark patch. I was fine but lately it's back.", False),
        ("I'm in my forties and I feel awful", False),
        ("my knee hurts", False),
        ("", False),
    ],
)
def test_a_past_told_as_over(detector, text, over):
    assert detector.told_as_over(text) is over


def test_a_past_told_as_over_overrules_the_classifiers_own_red_flag(detector):
    component = RedFlagClassifier(RedFlagClassifier.get_default_config(), detector)
    text = "my dad had a big heart attack back in 2005, he's still going strong. Is PIT safe?"
    message = Message(data={"text": text})
    message.set("intent", {"name": "red_flag", "confidence": 0.9}, add_to_output=True)
    message.set(
        "intent_ranking",
        [{"name": "red_flag", "confidence": 0.9}, {"name": "faq", "confidence": 0.08}],
        add_to_output=True,
    )
    component.process([message])
    assert message.get("intent")["name"] == "faq"


@pytest.mark.parametrize(
    "text",
    [
        "Going to the gym with this knee is a suicide mission, can PIT help?",
        "I laughed so hard at the cartoon I couldn't breathe, anyway do you take Aetna?",
        "choking on all the jargon on the leaflet lol, what is PIT in plain words?",
        "my savings are haemorrhaging on physio, is PIT cheaper?",
    ],
)
def test_an_exception_rules_the_words_out_and_says_so(detector, text):
    hits, dismissed = detector.assess(text)
    assert hits == []
    assert dismissed  # read and ruled out: the classifier's own red_flag guess is overruled


@pytest.mark.parametrize(
    "text, over",
    [
        ("I attempted suicide in my twenties. I'm in a good place now, but the form asks.", True),
        ("I attempted suicide in my twenties. I'm in a good place now, but still struggle.", False),
        ("My daughter had anaphylaxis when she was 4. She's 17 now, do you treat teens?", True),
        ("Dad had septicaemia in the 90s and lost two toes. He now has nerve pain there.", True),
    ],
)
def test_what_comes_after_but_decides_whether_all_is_well(detector, text, over):
    assert (clinical_hits(detector, text) == set()) is over


def test_saddle_numbness_told_as_cannot_feel(detector):
    assert "new_weakness_numbness" in clinical_hits(
        detector, "I can't feel my groin since the back shots and I've wet myself"
    )
