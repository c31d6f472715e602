"""Contact details typed on their own (intent share_details) versus messages that only
contain one, and the parts the booking form reads out of an answer."""

from __future__ import annotations

from typing import Optional

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message

from bot.bookings.contact_details import emails_in, phone_part
from bot.conversation.personal_details import (
    PersonalDetailsClassifier,
    find_detail,
    find_details,
)
from bot.safety.red_flag_classifier import RedFlagClassifier


@pytest.mark.parametrize(
    "text, kind",
    [
        ("maria@example.com", "email"),
        ("201 555 0123", "phone"),
        ("(201) 555-0123", "phone"),
        ("+44 20 7946 0958", "phone"),
        ("my number is 201 555 0123", "phone"),
        ("you can email me at sam@example.org", "email"),
        ("Sorry, my new email: sam.lee@example.org", "email"),
        ("Dana Price here, 201 555 0123", "phone"),
    ],
)
def test_contact_details_alone_are_spotted(text: str, kind: str):
    detail = find_detail(text)
    assert detail is not None and detail.kind == kind


@pytest.mark.parametrize(
    "text, expected",
    [
        ("hiya my names Shannon and my mobile is +1 415 555 0133", {"name", "phone"}),
        ("my number is (718) 555-0104 if thats easier", {"phone"}),
        ("thanks. reach me at 617 555 0149, ask for Mike", {"phone", "name"}),
        ("great. Eleanor Whitby, e.w@example.com or +44 7700 900631", {"name", "email", "phone"}),
        ("Callum Reid, callum.reid@example.co.uk", {"name", "email"}),
        # Words of ours are no name; the number still counts.
        ("Knee Pain, 201 555 0123", {"phone"}),
        ("My Mobile, 201 555 0123", {"phone"}),
    ],
)
def test_every_detail_of_a_message_of_details_is_found(text: str, expected: set):
    assert {d.kind for d in find_details(text)} == expected


@pytest.mark.parametrize(
    "text",
    [
        "call 911",
        "911",
        "my number is 201 555 0123 and my arm is red and swollen",
        "Maria Lopez here, text me on 202-555-0199: can you recommend a plumber",
        "I had 3 sessions on 12/05/2024",
        "my injection was on 12 05 2024",
        "can I send my scan to info@example.com?",
        "how much does it cost?",
        "maria@",
        "my number is 555",
        "",
        "201 555 0123 " * 40,
    ],
)
def test_anything_more_or_less_is_not(text: str):
    assert find_detail(text, classifier_confidence=0.9) is None


def test_the_booking_form_finds_the_same_parts():
    assert emails_in("mail a@b.org or c@d.org") == ["a@b.org", "c@d.org"]
    assert phone_part("call me on 201 555 0123 please") == "201 555 0123"
    assert phone_part("no digits") == "no digits"


def classified(text: str, intent: str = "faq") -> Message:
    message = Message(data={"text": text})
    message.set("intent", {"name": intent, "confidence": 0.97}, add_to_output=True)
    message.set(
        "intent_ranking",
        [{"name": intent, "confidence": 0.97}, {"name": "greet", "confidence": 0.03}],
        add_to_output=True,
    )
    return message


def intent_of(message: Message) -> Optional[str]:
    return (message.get("intent") or {}).get("name")


def test_the_component_sets_share_details_and_leaves_other_messages():
    contact, question = classified("maria@example.com"), classified("does it hurt?")
    PersonalDetailsClassifier().process([contact, question])
    assert contact.get("intent") == {"name": "share_details", "confidence": 1.0}
    assert [i["confidence"] for i in contact.get("intent_ranking")] == [1.0, 0.0, 0.0]
    assert question.get("intent") == {"name": "faq", "confidence": 0.97}


def test_a_red_flag_still_wins(tmp_path):
    storage = LocalModelStorage(tmp_path)
    execution = ExecutionContext(GraphSchema({}), "test-model")
    red_flag = RedFlagClassifier.create(
        RedFlagClassifier.get_default_config(), storage, Resource("red_flag"), execution
    )
    message = classified("my throat is closing up, call 201 555 0123")
    PersonalDetailsClassifier().process(red_flag.process([message]))
    assert intent_of(message) == "red_flag"


def test_an_address_the_classifier_took_for_a_handoff_is_details():
    reach, call = (
        classified("you can reach me at j.doe@example.com", "human_handoff"),
        classified("can someone call me on 201 555 0123?", "human_handoff"),
    )
    book = classified("I want to book, my number is 201 555 0123", "book_consultation")
    PersonalDetailsClassifier().process([reach, call, book])
    assert [intent_of(m) for m in (reach, call, book)] == [
        "share_details",
        "human_handoff",
        "book_consultation",
    ]
