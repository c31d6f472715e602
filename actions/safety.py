"""Reply to a red flag: the most urgent guidance first, then any other that applies.

The red_flag entities come from RedFlagClassifier. If the intent came from DIET alone
(no entities), the text is checked here; if the rules still find nothing, the patient
gets the reply that covers an emergency, urgent care and the crisis line, because DIET
thought it was a red flag and a wrong "all is well" is worse than a careful answer.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.faq import selected_topic
from actions.message import entity_values
from bot import intents
from bot.content.faq import RESPONSE_PREFIX
from bot.safety.catalog import get_red_flag_catalog
from bot.safety.red_flags import detect_red_flags, severity_rank
from bot.settings import get_settings

UNSURE_RESPONSE = "utter_red_flag_unsure"


def severities_from_entities(entities: Iterable[Mapping[str, Any]]) -> List[str]:
    """Severities of the red_flag entities, most severe first (unknown keys are ignored)."""
    catalog = get_red_flag_catalog()
    found = set()
    for value in entity_values(entities, intents.RED_FLAG_ENTITY):
        category = catalog.category(value)
        if category is not None:
            found.add(category.severity)
    return sorted(found, key=severity_rank)


def red_flag_responses(message: Mapping[str, Any]) -> List[str]:
    """The responses to send for the latest user message, in order."""
    severities = severities_from_entities(message.get("entities") or [])
    if not severities:
        hits = detect_red_flags(str(message.get("text") or ""))
        severities = sorted({h.severity for h in hits}, key=severity_rank)
    if not severities:
        return [UNSURE_RESPONSE]
    catalog = get_red_flag_catalog()
    return [catalog.severities[s].response for s in severities if s in catalog.severities]


def faq_answer_after_unsure(message: Mapping[str, Any]) -> List[str]:
    """When only the trained intent thought "red flag" (no rule matched), the question
    may still be an ordinary one ("will I be laid up for days?"): answer it too, after
    the safety note, so nothing the patient asked is lost."""
    ranking = [i for i in message.get("intent_ranking") or [] if i.get("name") != intents.RED_FLAG]
    if not ranking or ranking[0].get("name") != intents.FAQ:
        return []
    topic = selected_topic({**message, "intent": {"name": intents.FAQ}})
    return [f"{RESPONSE_PREFIX}{topic}"] if topic else []


class ActionRedFlag(Action):
    """Send the red-flag guidance (emergency / crisis / urgent) for the latest message."""

    def name(self) -> Text:
        return "action_red_flag"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        slots = get_settings().as_slots()
        message = tracker.latest_message or {}
        responses = red_flag_responses(message)
        if responses == [UNSURE_RESPONSE]:
            responses += faq_answer_after_unsure(message)
        for response in responses:
            dispatcher.utter_message(response=response, **slots)
        return []
