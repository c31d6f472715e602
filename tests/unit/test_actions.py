"""Actions with real rasa_sdk Tracker and CollectingDispatcher objects."""

from datetime import datetime
from zoneinfo import ZoneInfo

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.booking.offer import ActionBookConsultation
from actions.conditions import condition_reply
from actions.faq import ActionAnswerFaq, ActionDidYouMean, ranked_topics, selected_topic
from actions.handoff import handoff_response
from actions.session import ActionSessionStart, disclosed_already
from bot.content.faq import get_topics
from bot.settings import get_settings

TOPIC = "how_many_sessions"


def tracker(message=None, events=None) -> Tracker:
    return Tracker("u1", {}, message or {}, events or [], False, None, {}, "action_listen")


def selector(*keys):
    return {
        "faq": {
            "response": {"intent_response_key": keys[0]},
            "ranking": [{"intent_response_key": k, "confidence": 0.1} for k in keys],
        }
    }


async def run(action, message=None, events=None):
    dispatcher = CollectingDispatcher()
    events_out = await action.run(dispatcher, tracker(message, events), {})
    return dispatcher.messages, events_out


async def test_session_start_discloses_and_fills_clinic_slots():
    messages, events = await run(ActionSessionStart())
    assert [m["response"] for m in messages] == ["utter_disclosure"]
    assert messages[0]["clinic_phone"] == get_settings().phone
    names = [e.get("name") for e in events if e["event"] == "slot"]
    assert "clinic_phone" in names and "clinic_emergency_number" in names
    assert events[0]["event"] == "session_started" and events[-1]["name"] == "action_listen"


def test_disclosure_is_not_repeated_for_an_explicit_session_start():
    started = [{"event": "session_started"}]
    only_start = started + [{"event": "user", "parse_data": {"intent": {"name": "session_start"}}}]
    asked = started + [{"event": "user", "parse_data": {"intent": {"name": "faq"}}}]
    assert disclosed_already([]) is False
    assert disclosed_already(only_start) is True
    assert disclosed_already(asked) is False


def test_selected_topic_from_selector_and_from_button():
    assert (
        selected_topic({"intent": {"name": "faq"}, "response_selector": selector(f"faq/{TOPIC}")})
        == TOPIC
    )
    button = {"intent": {"name": "ask_topic"}, "entities": [{"entity": "topic", "value": TOPIC}]}
    assert selected_topic(button) == TOPIC
    forged = {
        "intent": {"name": "ask_topic"},
        "entities": [{"entity": "topic", "value": "../../etc"}],
    }
    assert selected_topic(forged) is None
    assert (
        selected_topic({"intent": {"name": "faq"}, "response_selector": selector("faq/nope")})
        is None
    )


async def test_answer_faq_sends_the_topic_response():
    messages, _ = await run(
        ActionAnswerFaq(),
        {"intent": {"name": "faq"}, "response_selector": selector(f"faq/{TOPIC}")},
    )
    assert messages[0]["response"] == f"utter_faq/{TOPIC}"


async def test_answer_faq_without_a_topic_asks_to_rephrase():
    messages, _ = await run(ActionAnswerFaq(), {"intent": {"name": "ask_topic"}, "entities": []})
    assert messages[0]["response"] == "utter_default"


def test_condition_reply_listed_unlisted_body_part_and_none():
    catalog_listed = condition_reply([{"entity": "condition", "value": "carpel tunnel"}])
    assert catalog_listed.response == "utter_condition_listed"
    assert "carpal tunnel" in catalog_listed.values["condition_says"].lower()
    unlisted = condition_reply([{"entity": "condition", "value": "Fibro"}])
    assert unlisted.response == "utter_condition_not_listed"
    assert unlisted.values["condition_label"] == "fibromyalgia"
    part = condition_reply([{"entity": "body_part", "value": "Knees"}])
    assert part.response == "utter_body_part" and part.values["body_part_label"] == "knee"
    assert condition_reply([]) is None
    plural = condition_reply([{"entity": "condition", "value": "Tennis Elbows"}])
    assert plural.response == "utter_condition_listed", plural
    assert condition_reply([{"entity": "condition", "value": "   "}]) is None


async def test_condition_question_gets_a_condition_answer():
    message = {
        "intent": {"name": "faq"},
        "response_selector": selector("faq/condition_help"),
        "entities": [{"entity": "condition", "value": "carpal tunnel"}],
    }
    messages, _ = await run(ActionAnswerFaq(), message)
    assert messages[0]["response"] == "utter_condition_listed"


async def test_did_you_mean_offers_top_topics_and_a_person():
    keys = [f"faq/{k}" for k in list(get_topics())[:4]]
    messages, _ = await run(
        ActionDidYouMean(),
        {"intent": {"name": "nlu_fallback"}, "response_selector": selector(*keys)},
    )
    buttons = messages[0]["buttons"]
    assert len(buttons) == 5  # three topics, something else, a person
    assert buttons[0]["payload"] == '/ask_topic{"topic":"%s"}' % keys[0].split("/")[1]
    assert buttons[-1]["payload"] == "/human_handoff"


async def test_did_you_mean_without_candidates_falls_back():
    assert ranked_topics({}) == []
    messages, _ = await run(ActionDidYouMean(), {"intent": {"name": "nlu_fallback"}})
    assert messages[0]["response"] == "utter_default"


def test_handoff_wording_follows_opening_hours():
    settings = get_settings()
    tz = ZoneInfo(settings.time_zone)
    day, hours = next(iter(settings.opening_hours.items()))
    monday = datetime(2026, 11, 23, tzinfo=tz)  # a Monday
    from bot.settings import WEEKDAYS

    date = monday.replace(day=23 + WEEKDAYS.index(day))
    inside = date.replace(hour=hours[0].hour, minute=hours[0].minute)
    assert handoff_response(settings, inside) == "utter_handoff_open"
    assert handoff_response(settings, date.replace(hour=3)) == "utter_handoff_closed"


async def test_booking_offers_the_clinic_link():
    messages, _ = await run(ActionBookConsultation())
    assert messages[0]["response"] == "utter_book_consultation"
    assert messages[0]["booking_link"] == get_settings().booking_url


def test_evaluation_reads_the_default_response_selector_key_too():
    from bot.evaluation.nlu import predicted_label

    faq = {"response": {"intent_response_key": "faq/cost"}}
    assert (
        predicted_label({"intent": {"name": "faq"}, "response_selector": {"faq": faq}})
        == "faq/cost"
    )
    assert (
        predicted_label({"intent": {"name": "faq"}, "response_selector": {"default": faq}})
        == "faq/cost"
    )
    assert predicted_label({"intent": {"name": "greet"}}) == "greet"


def test_evaluation_counts_a_follow_up_as_the_topic_it_is_answered_with():
    from bot.evaluation.nlu import predicted_label

    follow_up = {
        "intent": {"name": "ask_topic"},
        "entities": [
            {"entity": "condition", "value": "sciatica"},
            {"entity": "topic", "value": "cost"},
        ],
    }
    assert predicted_label(follow_up) == "faq/cost"
    assert predicted_label({"intent": {"name": "ask_topic"}, "entities": []}) == "ask_topic"
