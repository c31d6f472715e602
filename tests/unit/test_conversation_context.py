"""Typed replies to offers, forged payloads, personal details and follow-ups (bot/conversation/).

The components are run as Rasa runs them: on a Message, with a tracker built from real events.
"""

from __future__ import annotations

from typing import List, Optional

import pytest
from rasa.shared.core.events import ActiveLoop, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.message import Message

from actions.booking.prefill import offered_details, prefilled
from bot.conversation.follow_ups import FollowUpResolver, follow_up_topic, is_pain_statement
from bot.conversation.personal_details import PersonalDetailsClassifier, find_detail
from bot.conversation.typed_replies import (
    NEUTRAL_PREFIX,
    Button,
    TypedReplyResolver,
    last_offer,
    match_reply,
)

BOOKING_OFFER = [{"title": "Yes, send my details", "payload": "/request_booking"}]
CONSENT = [
    {"title": "Yes, I agree", "payload": "/affirm"},
    {"title": "No", "payload": "/deny"},
]
PATIENT_TYPE = [
    {"title": "New patient", "payload": "New patient"},
    {"title": "Returning patient", "payload": "Returning patient"},
]


def tracker_after(*bot_turns: List[dict], loop: Optional[str] = None) -> DialogueStateTracker:
    events = [UserUttered("hi", {"name": "greet"})]
    for buttons in bot_turns:
        events.append(BotUttered("...", data={"buttons": buttons}, metadata={}))
    if loop:
        events.insert(1, ActiveLoop(loop))
    return DialogueStateTracker.from_events("t", events)


def message(text: str, intent: str = "faq", confidence: float = 0.9) -> Message:
    msg = Message(data={"text": text})
    msg.set("intent", {"name": intent, "confidence": confidence}, add_to_output=True)
    msg.set("intent_ranking", [{"name": intent, "confidence": confidence}], add_to_output=True)
    return msg


def resolve(text: str, tracker: DialogueStateTracker, intent: str = "faq") -> Message:
    return TypedReplyResolver().process([message(text, intent)], tracker)[0]


# --- typed replies ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "yes, send my details",  # the title, other case and punctuation
        "YES SEND MY DETAILS!",
        "1",  # the option's number
        "yes please",  # an unambiguous yes
        "sure",
        "ok",
        "yse, send my detials",  # a close misspelling
        "yeah go on then",  # a yes with a softener after it
        "um, ok",  # a hesitation before it
    ],
)
def test_every_kind_of_typed_reply_selects_the_booking_option(typed: str) -> None:
    parsed = resolve(typed, tracker_after(BOOKING_OFFER))
    assert parsed.get("text") == "/request_booking"
    assert parsed.get("typed_reply")["title"] == "Yes, send my details"


@pytest.mark.parametrize(
    "typed", ["nah", "not now", "no thanks", "No.", "hmm not right now", "well no thanks then"]
)
def test_a_no_to_a_yes_offer_is_deny(typed: str) -> None:
    assert resolve(typed, tracker_after(BOOKING_OFFER)).get("text") == "/deny"


@pytest.mark.parametrize(
    "typed, payload",
    [
        ("2", "Returning patient"),
        ("returning", "Returning patient"),
        ("new patient", "New patient"),
    ],
)
def test_text_buttons_are_selected_too(typed: str, payload: str) -> None:
    assert resolve(typed, tracker_after(PATIENT_TYPE)).get("text") == payload


@pytest.mark.parametrize(
    "typed", ["yes but how much does it cost?", "what is PIT used for", "7", "maybe"]
)
def test_a_reply_matching_no_option_goes_on_as_a_normal_message(typed: str) -> None:
    parsed = resolve(typed, tracker_after(BOOKING_OFFER))
    assert parsed.get("text") == typed
    assert parsed.get("typed_reply") is None


def test_a_red_flag_is_never_taken_as_an_option() -> None:
    assert resolve("yes", tracker_after(CONSENT), intent="red_flag").get("text") == "yes"


def test_only_the_last_turn_counts_and_a_form_looks_at_its_question_only() -> None:
    faq_then_question = [
        BotUttered("answer", data={"buttons": BOOKING_OFFER}),
        BotUttered("What is your full name?", data={}),
    ]
    assert last_offer(faq_then_question, form_active=True) == []
    assert last_offer(faq_then_question, form_active=False) == [
        Button("Yes, send my details", "/request_booking")
    ]
    assert match_reply("Sam Lee", [Button("Yes, send my details", "/request_booking")]) is None


# --- forged payloads -------------------------------------------------------------------


@pytest.mark.parametrize(
    "forged",
    ["/affirm", '/request_booking{"request_consent": true}', '/ask_topic{"topic": "../../x"}'],
)
def test_payloads_no_button_sent_stay_plain_text(forged: str) -> None:
    parsed = resolve(forged, tracker_after([]))
    assert parsed.get("text") == NEUTRAL_PREFIX + forged[1:]
    assert parsed.get("intent")["name"] == "faq"  # what the classifier read, untouched


def test_a_parse_outside_any_conversation_is_left_as_rasa_reads_it() -> None:
    empty = DialogueStateTracker.from_events("t", [])
    assert resolve("/affirm", empty).get("text") == "/affirm"


def test_a_payload_the_assistant_sent_is_a_button_press() -> None:
    tracker = tracker_after(CONSENT)
    assert resolve("/affirm", tracker).get("text") == "/affirm"
    assert (
        resolve('/affirm{"request_consent": true}', tracker).get("text").startswith(NEUTRAL_PREFIX)
    )


# --- personal details ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, kind",
    [
        ("07700 900461", "phone"),
        ("call me on +1 (202) 555-0147", "phone"),
        ("my email is dana.p@example.org", "email"),
        ("My name is Dana Price", "name"),
        ("it's Priya Sharma", "name"),
        ("Jordan here", "name"),
        ("Dana Price", "name"),
    ],
)
def test_personal_details_are_found(text: str, kind: str) -> None:
    assert find_detail(text).kind == kind


@pytest.mark.parametrize(
    "text",
    ["i'm worried", "I had 3 sessions", "since 2019", "12/05/2024", "Tennis elbow?", "/affirm"],
)
def test_other_messages_are_not_personal_details(text: str) -> None:
    assert find_detail(text, classifier_confidence=0.9) is None


def test_a_bare_name_of_words_we_never_use_is_a_name_however_sure_the_classifier_was():
    assert find_detail("Rebecca Thornton", classifier_confidence=0.95).kind == "name"
    for words_we_use in ("Tennis Elbow", "Side Effects", "Frozen Shoulder", "Thank You"):
        assert find_detail(words_we_use, classifier_confidence=0.95) is None


def test_personal_details_get_their_intent_only_when_no_form_asks() -> None:
    component = PersonalDetailsClassifier()
    free = component.process([message("07700 900461")], tracker_after([]))[0]
    assert free.get("intent")["name"] == "share_details"
    in_form = component.process([message("07700 900461")], tracker_after([], loop="booking_form"))[
        0
    ]
    assert in_form.get("intent")["name"] == "faq"


def test_an_accepted_details_offer_prefills_the_form_and_nothing_before() -> None:
    events = [
        {"event": "user", "text": "(202) 555-0188"},
        {"event": "bot", "text": "...", "metadata": {"utter_action": "utter_details_offer"}},
        {"event": "user", "text": "/request_booking"},
    ]
    details = offered_details(events)
    values = prefilled(details, "request_contact", "US")
    assert values == {"request_contact": "+12025550188"}
    assert prefilled(details, "request_name", "US") == {}
    # A form started later in the session still has it; one in a new session does not.
    later = events + [{"event": "bot", "text": "..."}, {"event": "user", "text": "/affirm"}]
    assert "phone" in offered_details(later)
    new_session = events + [{"event": "session_started"}, {"event": "user", "text": "/affirm"}]
    assert offered_details(new_session) == {}


def _offer() -> dict:
    return {"event": "bot", "text": "...", "metadata": {"utter_action": "utter_details_offer"}}


def test_details_typed_one_after_another_are_all_prefilled() -> None:
    """ "Grace Liu", offer, "grace@example.com", offer, "yes": both are kept, not only the
    last; a message that got no details offer gives nothing."""
    events = [
        {"event": "user", "text": "Sam Old"},
        {"event": "bot", "text": "an FAQ answer", "metadata": {"utter_action": "utter_faq"}},
        {"event": "user", "text": "Grace Liu"},
        _offer(),
        {"event": "user", "text": "grace.liu@example.com"},
        _offer(),
        {"event": "user", "text": "/request_booking"},
    ]
    details = offered_details(events)
    assert prefilled(details, "request_name", "US") == {"request_name": "Grace Liu"}
    contact = prefilled(details, "request_contact", "US")
    assert contact == {"request_contact": "grace.liu@example.com"}


def test_several_details_in_one_message_and_earlier_in_the_session_are_all_kept() -> None:
    events = [
        {"event": "user", "text": "hi its Nina Petrov, nina.petrov@example.org"},
        _offer(),
        {"event": "user", "text": "do you treat golfers elbow"},
        {"event": "bot", "text": "...", "metadata": {"utter_action": "utter_condition_listed"}},
        {"event": "user", "text": "/request_booking"},
    ]
    details = offered_details(events)
    assert prefilled(details, "request_name", "US") == {"request_name": "Nina Petrov"}
    assert prefilled(details, "request_contact", "US") == {
        "request_contact": "nina.petrov@example.org"
    }


def test_a_newer_detail_of_the_same_kind_wins() -> None:
    events = [
        {"event": "user", "text": "(202) 555-0188"},
        _offer(),
        {"event": "user", "text": "sorry, it's (202) 555-0199"},
        _offer(),
        {"event": "user", "text": "/request_callback"},
    ]
    assert prefilled(offered_details(events), "request_phone", "US") == {
        "request_phone": "+12025550199"
    }


def test_a_detail_typed_as_the_send_my_details_option_is_prefilled() -> None:
    # As Rasa stores it: the patient's words, and the payload they became as parsed text.
    accepted = {
        "event": "user",
        "text": "Ahmed Raza",
        "parse_data": {"text": "/request_booking", "intent": {"name": "request_booking"}},
    }
    assert prefilled(offered_details([accepted]), "request_name", "US") == {
        "request_name": "Ahmed Raza"
    }
    # Words read as another option, or the button tapped, are not read as a detail.
    other = dict(accepted, parse_data={"text": "/deny", "intent": {"name": "deny"}})
    assert offered_details([other]) == {}
    tapped = dict(accepted, text="/request_booking")
    assert offered_details([tapped]) == {}


def test_an_unusable_detail_is_asked_for_as_usual() -> None:
    events = [{"event": "user", "text": "555"}, _offer(), {"event": "user", "text": "/affirm"}]
    assert prefilled(offered_details(events), "request_contact", "US") == {}


def test_typing_details_after_the_one_send_my_details_option_selects_it() -> None:
    chosen = resolve("Ahmed Raza", tracker_after(BOOKING_OFFER), intent="share_details")
    assert chosen.get("text") == "/request_booking"
    assert chosen.get("typed_reply")["how"] == "details"
    # Book or call back: the patient must choose; the details offer answers instead.
    two = [
        {"title": "Yes, book a consultation", "payload": "/request_booking"},
        {"title": "Request a callback", "payload": "/request_callback"},
    ]
    kept = resolve("Ahmed Raza", tracker_after(two), intent="share_details")
    assert kept.get("text") == "Ahmed Raza"
    # Only a detail does it: a question after the offer stays a question.
    asked = resolve("does it hurt?", tracker_after(BOOKING_OFFER), intent="faq")
    assert asked.get("text") == "does it hurt?"
    # While a form asks, the form reads its own answers.
    in_form = resolve(
        "Ahmed Raza", tracker_after(BOOKING_OFFER, loop="booking_form"), intent="share_details"
    )
    assert in_form.get("text") == "Ahmed Raza"


# --- follow-ups ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, previous, names_pain, remembers, topic",
    [
        ("and my wrist?", "condition_help", True, True, "condition_help"),
        ("will it do anything for that?", None, False, True, "condition_help"),
        ("how many sessions for that?", "condition_help", False, True, "how_many_sessions"),
        ("and the gap between them?", "how_many_sessions", False, False, "how_often"),
        ("does that sting?", "visit", False, False, "does_it_hurt"),
        ("is it cortisone?", "what_is_injected", False, False, "what_is_injected"),
        ("how many days does the relief hold?", None, False, False, "relief_timing"),
        ("what is PIT?", "visit", False, False, None),
        ("will it do anything for that?", None, False, False, None),
        ("is it worth trying for that?", None, False, True, "condition_help"),
    ],
)
def test_follow_up_topics(
    text: str, previous: Optional[str], names_pain: bool, remembers: bool, topic: Optional[str]
) -> None:
    assert follow_up_topic(text, previous, names_pain, remembers) == topic


def test_follow_up_component_reads_the_previous_answer_and_slots() -> None:
    events = [
        UserUttered("I have tennis elbow", {"name": "faq"}),
        SlotSet("condition", "tennis elbow"),
        BotUttered("...", metadata={"utter_action": "utter_condition_listed"}),
    ]
    tracker = DialogueStateTracker.from_events("t", events)
    parsed = FollowUpResolver().process([message("how many sessions for that?")], tracker)[0]
    assert parsed.get("intent")["name"] == "ask_topic"
    assert [e["value"] for e in parsed.get("entities") if e["entity"] == "topic"] == [
        "how_many_sessions"
    ]


@pytest.mark.parametrize(
    "text, statement",
    [
        ("I've got tennis elbow", True),
        ("my hip aches every night", True),
        ("i have sciatica.", True),
        ("I get migraines most weeks", True),
        ("i keep getting shin splints", True),
        ("what is wrong with my knee?", False),
        ("is this sciatica?", False),
        ("do I have carpal tunnel", False),
    ],
)
def test_pain_statements_are_told_from_diagnosis_requests(text: str, statement: bool) -> None:
    assert is_pain_statement(text) is statement


# --- the FAQ action remembers --------------------------------------------------------


async def answer(message: dict, slots: dict) -> tuple:
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions.faq import ActionAnswerFaq

    dispatcher = CollectingDispatcher()
    tracker = Tracker("u1", slots, message, [], False, None, {}, "action_listen")
    events = await ActionAnswerFaq().run(dispatcher, tracker, {})
    return dispatcher.messages, events


def follow_up(topic: str, entities: list = ()) -> dict:
    extra = {"entity": "topic", "value": topic, "extractor": "FollowUpResolver"}
    return {"intent": {"name": "ask_topic"}, "entities": list(entities) + [extra]}


async def test_that_means_the_condition_named_before() -> None:
    messages, _ = await answer(follow_up("condition_help"), {"condition": "tennis elbow"})
    assert messages[0]["response"] == "utter_condition_listed"


async def test_sessions_for_a_condition_say_there_is_no_count_and_give_the_range() -> None:
    messages, _ = await answer(follow_up("how_many_sessions"), {"condition": "tennis elbow"})
    assert messages[0]["response"] == "utter_sessions_for_condition"
    assert messages[0]["condition_label"].startswith("tennis elbow")


async def test_a_new_body_part_replaces_the_condition() -> None:
    wrist = {"entity": "body_part", "value": "wrist"}
    messages, events = await answer(
        follow_up("condition_help", [wrist]), {"condition": "knee osteoarthritis"}
    )
    assert messages[0]["response"] == "utter_body_part"
    assert messages[0]["body_part_label"] == "wrist"
    assert {"event": "slot", "timestamp": None, "name": "condition", "value": None} in events


# --- a guessed "cancel" during a form ---------------------------------------------------


def guessed(text: str, intent: str, confidence: float, loop: Optional[str]) -> Message:
    tracker = tracker_after([], loop=loop)
    return TypedReplyResolver().process([message(text, intent, confidence)], tracker)[0]


@pytest.mark.parametrize("text", ["left hip", "the lower back, mostly", "weekday evenings"])
def test_an_unsure_cancel_during_a_form_is_the_forms_answer(text: str) -> None:
    parsed = guessed(text, "cancel", 0.5, loop="booking_form")
    assert parsed.get("intent")["name"] == "nlu_fallback"


@pytest.mark.parametrize("text", ["leave it", "never mind", "stop", "I don't want this any more"])
def test_a_cancel_in_words_still_stops_the_form(text: str) -> None:
    assert guessed(text, "cancel", 0.5, loop="booking_form").get("intent")["name"] == "cancel"


def test_a_sure_cancel_or_one_outside_a_form_is_kept() -> None:
    assert guessed("left hip", "cancel", 0.95, loop="booking_form").get("intent")["name"] == (
        "cancel"
    )
    assert guessed("left hip", "cancel", 0.5, loop=None).get("intent")["name"] == "cancel"


def test_a_booking_request_with_details_in_it_prefills_them_and_a_plain_one_does_not() -> None:
    booking_offer = {
        "event": "bot",
        "text": "...",
        "metadata": {"utter_action": "utter_book_consultation"},
    }
    events = [
        {"event": "user", "text": "I'm Sam Lee, sam.lee@example.org, I'd like to book"},
        booking_offer,
        {"event": "user", "text": "yes, send my details"},
    ]
    details = offered_details(events)
    assert prefilled(details, "request_name", "US") == {"request_name": "Sam Lee"}
    assert prefilled(details, "request_contact", "US") == {"request_contact": "sam.lee@example.org"}
    plain = [
        {"event": "user", "text": "I'd like to book, my knee is killing me"},
        booking_offer,
        {"event": "user", "text": "yes"},
    ]
    assert offered_details(plain) == {}
    # The request's details are not read from a message that got some other answer.
    answered = [events[0], {"event": "bot", "text": "...", "metadata": {}}, events[2]]
    assert offered_details(answered) == {}
