"""Reply to a red flag: the most urgent guidance first, then any other that applies.

The red_flag entities come from RedFlagClassifier. If the intent came from DIET alone
(no entities), the text is checked here; if the rules still find nothing, the patient
gets the reply that covers an emergency, urgent care and the crisis line, because DIET
thought it was a red flag and a wrong "all is well" is worse than a careful answer.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Iterator, List, Mapping, Set, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.faq import selected_topic
from actions.message import entity_values
from bot import intents
from bot.content.faq import RESPONSE_PREFIX
from bot.safety.catalog import get_red_flag_catalog
from bot.safety.red_flags import (
    ABOUT_SOMEONE_ELSE,
    ENTITY_ABOUT_KEY,
    detect_red_flags,
    severity_rank,
)
from bot.settings import get_settings

UNSURE_RESPONSE = "utter_red_flag_unsure"
SPANISH_RESPONSE = "utter_red_flag_es"
POSSIBLE_RESPONSE = "utter_red_flag_possible"  # first line: "If this is happening now, call ..."
SPANISH = "es"


def severities_from_entities(entities: Iterable[Mapping[str, Any]]) -> List[str]:
    """Severities of the red_flag entities, most severe first (unknown keys are ignored)."""
    return sorted({severity for severity, _ in _entity_readings(entities)}, key=severity_rank)


def spanish_red_flag(entities: Iterable[Mapping[str, Any]]) -> bool:
    """A red flag found by a Spanish catalog entry (``lang: es``)."""
    catalog = get_red_flag_catalog()
    for value in entity_values(entities, intents.RED_FLAG_ENTITY):
        category = catalog.category(value)
        if category is not None and category.lang == SPANISH:
            return True
    return False


def possible_red_flag(entities: Iterable[Mapping[str, Any]]) -> bool:
    """Only the semantic check's "unsure" band saw a red flag (no catalog match)."""
    return bool(entity_values(entities, intents.RED_FLAG_POSSIBLE_ENTITY)) and not entity_values(
        entities, intents.RED_FLAG_ENTITY
    )


def red_flag_responses(message: Mapping[str, Any]) -> List[str]:
    """The responses to send for the latest user message, in order."""
    entities = message.get("entities") or []
    if spanish_red_flag(entities):
        return [SPANISH_RESPONSE]
    if possible_red_flag(entities):
        return [POSSIBLE_RESPONSE]
    severities = severities_from_entities(entities)
    if severities:
        about_others = severities_told_of_someone_else(_entity_readings(entities))
    else:
        hits = detect_red_flags(str(message.get("text") or ""))
        severities = sorted({h.severity for h in hits}, key=severity_rank)
        about_others = severities_told_of_someone_else((h.severity, h.someone_else) for h in hits)
    if not severities:
        return [UNSURE_RESPONSE]
    catalog = get_red_flag_catalog()
    responses = []
    for name in severities:
        severity = catalog.severities.get(name)
        if severity is None:
            continue
        other = severity.someone_else_response if name in about_others else None
        responses.append(other or severity.response)
    return responses


def _entity_readings(entities: Iterable[Mapping[str, Any]]) -> Iterator[Tuple[str, bool]]:
    """(severity, told of someone else) for each red_flag entity of a known category, as
    RedFlagClassifier marked it; the action server never re-reads the text for this."""
    catalog = get_red_flag_catalog()
    for entity in entities:
        if not isinstance(entity, Mapping) or entity.get("entity") != intents.RED_FLAG_ENTITY:
            continue
        category = catalog.category(str(entity.get("value") or ""))
        if category is not None:
            about = entity.get(ENTITY_ABOUT_KEY)
            yield category.severity, about == ABOUT_SOMEONE_ELSE


def severities_told_of_someone_else(readings: Iterable[Tuple[str, bool]]) -> Set[str]:
    """The severities whose every rule match tells of another person ("my son says he wants
    to end it"). A severity seen only by the trained nets has no such match, so the reply
    for the writer, which covers them too, is kept."""
    every: Dict[str, bool] = {}
    for severity, someone_else in readings:
        every[severity] = every.get(severity, True) and someone_else
    return {severity for severity, other in every.items() if other}


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
        if responses in ([UNSURE_RESPONSE], [POSSIBLE_RESPONSE]):
            responses += faq_answer_after_unsure(message)
        for response in responses:
            dispatcher.utter_message(response=response, **slots)
        return []
