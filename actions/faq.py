"""Answer FAQ questions: the topic the ResponseSelector picked, or the topic a button asked for."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conditions import CONDITION_TOPICS, condition_reply, pain_label, remembered
from actions.message import entity_values, intent_name
from bot import intents
from bot.content.faq import RESPONSE_PREFIX, RETRIEVAL_INTENT, get_topics, topic_titles

SESSIONS_TOPIC = "how_many_sessions"
# The component that turns "will it do anything for that?" into a topic (bot/conversation/).
FOLLOW_UP_EXTRACTOR = "FollowUpResolver"
PAIN_SLOTS = (intents.CONDITION_ENTITY, intents.BODY_PART_ENTITY)
# How many topics to offer when the assistant is unsure what was meant.
DID_YOU_MEAN_OPTIONS = 3


def selected_topic(latest_message: Dict[str, Any]) -> Optional[str]:
    """The FAQ topic for this message: a button's topic entity, else the selector's pick."""
    if intent_name(latest_message) == intents.ASK_TOPIC:
        asked = entity_values(latest_message.get("entities") or [], intents.TOPIC_ENTITY)
        return next((topic for topic in asked if topic in get_topics()), None)
    selector = (latest_message.get("response_selector") or {}).get(RETRIEVAL_INTENT) or {}
    key = (selector.get("response") or {}).get("intent_response_key") or ""
    topic = key.split("/", 1)[1] if key.startswith(RETRIEVAL_INTENT + "/") else None
    return topic if topic in get_topics() else None


def ranked_topics(latest_message: Dict[str, Any]) -> List[str]:
    """FAQ topics the selector thought likely, best first."""
    selector = (latest_message.get("response_selector") or {}).get(RETRIEVAL_INTENT) or {}
    topics = []
    for item in selector.get("ranking") or []:
        key = str(item.get("intent_response_key") or "")
        topic = key.split("/", 1)[1] if "/" in key else ""
        if topic in get_topics() and topic not in topics:
            topics.append(topic)
    return topics


class ActionAnswerFaq(Action):
    """Send the topic's answer; for "would it help my X?" questions, answer about X."""

    def name(self) -> Text:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        message = tracker.latest_message or {}
        topic = selected_topic(message)
        if topic is None:
            dispatcher.utter_message(response="utter_default")
            return []
        entities = [e for e in message.get("entities") or [] if e.get("entity") in PAIN_SLOTS]
        events = latest_mention_wins(entities)
        if not entities and (topic == "condition_help" or is_follow_up(message)):
            # "will it do anything for that?": about what the patient said before.
            entities = remembered(*(tracker.get_slot(slot) for slot in PAIN_SLOTS))
        if topic in CONDITION_TOPICS:
            reply = condition_reply(entities)
            if reply is not None:
                dispatcher.utter_message(response=reply.response, **reply.values)
                return events
        if topic == SESSIONS_TOPIC and entities:
            # The documents give no session counts per condition: say so, give the range.
            dispatcher.utter_message(
                response="utter_sessions_for_condition", condition_label=pain_label(entities)
            )
            return events
        dispatcher.utter_message(response=f"{RESPONSE_PREFIX}{topic}")
        return events


def is_follow_up(message: Dict[str, Any]) -> bool:
    """True when the topic came from a follow-up read in context, not from a question."""
    return any(
        e.get("entity") == intents.TOPIC_ENTITY and e.get("extractor") == FOLLOW_UP_EXTRACTOR
        for e in message.get("entities") or []
    )


def latest_mention_wins(entities: List[Dict[str, Any]]) -> List[EventType]:
    """ "and my wrist?" after the knee: a body part alone replaces the condition, and back."""
    named = {e.get("entity") for e in entities}
    if named == {intents.BODY_PART_ENTITY}:
        return [SlotSet(intents.CONDITION_ENTITY, None)]
    if named == {intents.CONDITION_ENTITY}:
        return [SlotSet(intents.BODY_PART_ENTITY, None)]
    return []


class ActionDidYouMean(Action):
    """Low confidence: offer the likeliest topics as buttons instead of guessing."""

    def name(self) -> Text:
        return "action_did_you_mean"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        candidates = ranked_topics(tracker.latest_message or {})[:DID_YOU_MEAN_OPTIONS]
        if not candidates:
            dispatcher.utter_message(response="utter_default")
            return []
        titles = topic_titles()
        buttons = [
            {"title": titles[topic], "payload": intents.topic_payload(topic)}
            for topic in candidates
        ]
        buttons.append(
            {"title": "Something else", "payload": intents.payload(intents.OUT_OF_SCOPE)}
        )
        buttons.append(
            {"title": "Talk to a person", "payload": intents.payload(intents.HUMAN_HANDOFF)}
        )
        dispatcher.utter_message(response="utter_did_you_mean", buttons=buttons)
        return []
