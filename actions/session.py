"""Start every conversation with the AI disclosure and the clinic's details."""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.message import intent_name
from bot import intents
from bot.settings import get_settings


def disclosed_already(events: Iterable[Mapping[str, Any]]) -> bool:
    """True when the current session already showed the disclosure and the patient
    has said nothing since but ``/session_start``.

    Rasa starts a session for a new conversation and then again for an explicit
    ``/session_start`` message; without this check the patient would see the
    disclosure twice in a row.
    """
    events = list(events)
    starts = [i for i, e in enumerate(events) if e.get("event") == "session_started"]
    if not starts:
        return False
    since = events[starts[-1] + 1 :]
    user_intents = [intent_name(e.get("parse_data")) for e in since if e.get("event") == "user"]
    return all(intent == intents.SESSION_START for intent in user_intents)


class ActionSessionStart(Action):
    """Fill the clinic_* slots from clinic.yml and disclose that this is an automated assistant.

    The disclosure never blocks: Rasa runs this before the first user message is handled,
    so a first message that asks a question still gets its answer in the same turn.
    """

    def name(self) -> Text:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        slots = get_settings().as_slots()
        if not disclosed_already(tracker.events):
            dispatcher.utter_message(response="utter_disclosure", **slots)
        events: List[EventType] = [SessionStarted()]
        events += [SlotSet(name, value) for name, value in slots.items()]
        events.append(ActionExecuted("action_listen"))
        return events
