"""action_red_flag with real rasa_sdk Tracker and CollectingDispatcher objects."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.safety import ActionRedFlag, red_flag_responses, severities_from_entities
from bot.settings import get_settings


def tracker(message) -> Tracker:
    return Tracker("patient-1", {}, message, [], False, None, {}, "action_listen")


async def responses_for(message):
    dispatcher = CollectingDispatcher()
    events = await ActionRedFlag().run(dispatcher, tracker(message), {})
    assert events == []
    return dispatcher.messages


def flag(value: str) -> dict:
    return {
        "entity": "red_flag",
        "value": value,
        "start": 0,
        "end": 1,
        "extractor": "RedFlagClassifier",
    }


async def test_most_severe_reply_first_then_the_others():
    message = {
        "text": "...",
        "intent": {"name": "red_flag"},
        "entities": [flag("fever_chills"), flag("self_harm"), flag("chest_pain")],
    }
    messages = await responses_for(message)
    assert [m["response"] for m in messages] == [
        "utter_red_flag_emergency",
        "utter_red_flag_crisis",
        "utter_red_flag_urgent",
    ]
    settings = get_settings()
    assert messages[0]["clinic_emergency_number"] == settings.emergency_number
    assert messages[1]["clinic_crisis_line"] == settings.crisis_line
    assert messages[2]["clinic_phone"] == settings.phone


async def test_one_severity_once_even_with_many_hits():
    message = {
        "text": "...",
        "entities": [
            flag("fever_chills"),
            flag("wound_infection"),
            {"entity": "condition", "value": "knee"},
        ],
    }
    assert [m["response"] for m in await responses_for(message)] == ["utter_red_flag_urgent"]


async def test_intent_from_the_model_without_entities_reads_the_text():
    message = {"text": "i want to end my life", "intent": {"name": "red_flag"}, "entities": []}
    assert [m["response"] for m in await responses_for(message)] == ["utter_red_flag_crisis"]


async def test_nothing_found_still_gets_the_careful_reply():
    message = {
        "text": "something feels really wrong after my visit",
        "intent": {"name": "red_flag"},
    }
    assert [m["response"] for m in await responses_for(message)] == ["utter_red_flag_unsure"]


async def test_forged_or_empty_input_is_handled():
    assert severities_from_entities([{"entity": "red_flag", "value": "../../etc"}]) == []
    assert red_flag_responses({}) == ["utter_red_flag_unsure"]
    assert [m["response"] for m in await responses_for({})] == ["utter_red_flag_unsure"]


async def test_unsure_red_flag_still_answers_the_faq_question_after_the_safety_note():
    message = {
        "text": "i cant afford to be laid up, will this put me out of action for days",
        "intent": {"name": "red_flag"},
        "intent_ranking": [
            {"name": "red_flag", "confidence": 0.6},
            {"name": "faq", "confidence": 0.4},
        ],
        "response_selector": {
            "faq": {"response": {"intent_response_key": "faq/downtime"}, "ranking": []}
        },
    }
    assert [m["response"] for m in await responses_for(message)] == [
        "utter_red_flag_unsure",
        "utter_faq/downtime",
    ]


async def test_a_rule_hit_never_adds_an_faq_answer():
    message = {
        "text": "my lips are swelling, how much does it cost",
        "intent": {"name": "red_flag"},
        "entities": [flag("allergic_reaction")],
        "intent_ranking": [
            {"name": "red_flag", "confidence": 1.0},
            {"name": "faq", "confidence": 0.0},
        ],
        "response_selector": {
            "faq": {"response": {"intent_response_key": "faq/cost"}, "ranking": []}
        },
    }
    assert [m["response"] for m in await responses_for(message)] == ["utter_red_flag_emergency"]
