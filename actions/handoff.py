"""Connect the patient with a person, with wording that fits the clinic's opening hours."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.settings import ClinicSettings, get_settings


def handoff_response(settings: ClinicSettings, now: Optional[datetime] = None) -> str:
    """``utter_handoff_open`` during opening hours, else ``utter_handoff_closed``."""
    return "utter_handoff_open" if settings.is_open(now) else "utter_handoff_closed"


class ActionHandoff(Action):
    """Give the clinic's phone and email; after hours, say so and give the hours."""

    def name(self) -> Text:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        settings = get_settings()
        response = handoff_response(settings)
        dispatcher.utter_message(response=response, **settings.as_slots())
        return []
