"""The crisis reply speaks to the one who is with a person at risk (issue 9).

A parent who writes "my son just told me he wants to end it" should be told to call the
emergency number and stay with him, not "you matter, if you might act on these thoughts".
Only the reply changes: the message is a red flag either way. When the writer also speaks of
themselves, or no rule matched, the reply for the writer is kept (it covers both). A Spanish
red flag keeps its one Spanish reply.
Sentences written for this test, not taken from any test or development set.
"""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from actions.safety import red_flag_responses
from bot.safety.red_flags import detect_red_flags

FOR_THE_WRITER = "utter_red_flag_crisis"
FOR_SOMEONE_ELSE = "utter_red_flag_crisis_other"


def crisis_reply(text: str) -> str:
    replies = red_flag_responses({"text": text, "intent": {"name": "red_flag"}, "entities": []})
    crisis = [r for r in replies if r.startswith(FOR_THE_WRITER)]
    assert len(crisis) == 1, replies
    return crisis[0]


@pytest.mark.parametrize(
    "text",
    [
        "my teenage son just told me he wants to kill himself",
        "my husband keeps saying he is going to end his life tonight",
        "my roommate texted that she wants to die and isn't answering",
        "our daughter says she is going to hang herself",
        "She's locked in the bathroom. She says she wants to die.",
        "our daughter wants to die, what do we do",
    ],
)
def test_someone_else_at_risk_gets_the_reply_for_the_one_with_them(text):
    assert crisis_reply(text) == FOR_SOMEONE_ELSE


@pytest.mark.parametrize(
    "text",
    [
        "i want to end my life",
        "my wife left me and i want to kill myself",
        "my brother wants to kill himself and honestly so do I",
        "my mom wants to die and I'm thinking the same",
        "I keep thinking about ending it. My husband has no idea.",
        "since my wife left, want to end it all",
        "my dad passed in the spring, wanna kms",
    ],
)
def test_the_writer_at_risk_keeps_the_reply_for_them(text):
    assert crisis_reply(text) == FOR_THE_WRITER


def test_an_emergency_for_someone_else_still_comes_first():
    replies = red_flag_responses(
        {"text": "my dad swallowed all his pills and says he wants to die", "entities": []}
    )
    assert replies == ["utter_red_flag_emergency", FOR_SOMEONE_ELSE]


def test_a_crisis_seen_only_by_the_trained_nets_keeps_the_reply_for_the_writer():
    flagged = {"entity": "red_flag", "value": "self_harm", "extractor": "RedFlagClassifier"}
    message = {"text": "my brother is not ok", "entities": [flagged]}
    assert detect_red_flags(message["text"]) == []
    assert red_flag_responses(message) == [FOR_THE_WRITER]


def test_the_hit_says_whom_it_is_about():
    (other,) = detect_red_flags("my sister says she wants to die")
    (own,) = detect_red_flags("i want to die")
    assert other.someone_else and not own.someone_else


@pytest.mark.parametrize(
    "text, reply",
    [
        ("my husband keeps saying he is going to end his life tonight", FOR_SOMEONE_ELSE),
        ("my wife left me and i want to kill myself", FOR_THE_WRITER),
    ],
)
def test_the_classifier_marks_whom_it_is_about_and_the_action_reads_only_that(
    component, text, reply
):
    """As in the running assistant: RedFlagClassifier marks the entity, and the action
    chooses the reply from the entities alone (its text is never re-read for this)."""
    message = Message(data={"text": text})
    [message] = component.process([message])
    entities = message.get("entities")
    assert {e["entity"] for e in entities} == {"red_flag"}
    replies = red_flag_responses({"text": "", "entities": entities})
    assert [r for r in replies if r.startswith(FOR_THE_WRITER)] == [reply]
