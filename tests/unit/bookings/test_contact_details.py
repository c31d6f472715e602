"""Spotting a message that is only contact details, and the NLU component that uses it."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message

from bot.bookings.contact_classifier import ContactDetailsClassifier
from bot.bookings.contact_details import emails_in, only_contact_details, phone_part
from bot.safety.red_flag_classifier import RedFlagClassifier


@pytest.mark.parametrize(
    "text",
    [
        "maria@example.com",
        "201 555 0123",
        "(201) 555-0123",
        "+44 20 7946 0958",
        "my number is 201 555 0123",
        "you can email me at sam@example.org",
        "Sorry, my new email: sam.lee@example.org",
        "call 201-555-0123 or mail maria@example.com",
    ],
)
def test_contact_details_alone_are_spotted(text: str):
    assert only_contact_details(text, "US")


@pytest.mark.parametrize(
    "text",
    [
        "call 911",
        "911",
        "my number is 201 555 0123 and my arm is red and swollen",
        "I had 3 sessions on 12/05/2024",
        "how much does it cost?",
        "maria@",
        "my number is 555",
        "",
        "201 555 0123 " * 40,
    ],
)
def test_anything_more_or_less_is_not(text: str):
    assert not only_contact_details(text, "US")


def test_the_booking_form_finds_the_same_parts():
    assert emails_in("mail a@b.org or c@d.org") == ["a@b.org", "c@d.org"]
    assert phone_part("call me on 201 555 0123 please") == "201 555 0123"
    assert phone_part("no digits") == "no digits"


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    storage = LocalModelStorage(tmp_path_factory.mktemp("model"))
    return storage, ExecutionContext(GraphSchema({}), "test-model")


def classified(text: str, intent: str = "faq") -> Message:
    message = Message(data={"text": text})
    message.set("intent", {"name": intent, "confidence": 0.97}, add_to_output=True)
    message.set(
        "intent_ranking",
        [{"name": intent, "confidence": 0.97}, {"name": "greet", "confidence": 0.03}],
        add_to_output=True,
    )
    return message


def test_the_component_sets_share_contact_and_leaves_other_messages(context):
    storage, execution = context
    component = ContactDetailsClassifier.create(
        ContactDetailsClassifier.get_default_config(), storage, Resource("contact"), execution
    )
    contact, question = classified("maria@example.com"), classified("does it hurt?")
    component.process([contact, question])
    assert contact.get("intent") == {"name": "share_contact", "confidence": 1.0}
    assert [i["confidence"] for i in contact.get("intent_ranking")] == [1.0, 0.0, 0.0]
    assert question.get("intent") == {"name": "faq", "confidence": 0.97}


def test_a_red_flag_still_wins_after_it(context):
    storage, execution = context
    contact = ContactDetailsClassifier.create({}, storage, Resource("contact"), execution)
    red_flag = RedFlagClassifier.create(
        RedFlagClassifier.get_default_config(), storage, Resource("red_flag"), execution
    )
    message = classified("my throat is closing up, call 201 555 0123")
    red_flag.process(contact.process([message]))
    assert message.get("intent")["name"] == "red_flag"
