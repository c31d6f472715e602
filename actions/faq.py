"""Answer FAQ questions: the topic the ResponseSelector picked, or the topic a button asked for."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.conditions import CONDITION_TOPICS, condition_reply
from actions.message import entity_values, intent_name
from bot import intents
from bot.content.faq import RESPONSE_PREFIX, RETRIEVAL_INTENT, get_topics, topic_titles

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
        if topic in CONDITION_TOPICS:
            reply = condition_reply(message.get("entities") or [])
            if reply is not None:
                dispatcher.utter_message(response=reply.response, **reply.values)
                return []
        dispatcher.utter_message(response=f"{RESPONSE_PREFIX}{topic}")
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
