"""Connect the patient with a person, with wording that fits the clinic's opening hours."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from bot.conversation.call_back_words import asks_for_call_back
from bot.settings import ClinicSettings, get_settings

CALLBACK_FORM = "callback_form"
CALLBACK_INTRO = "utter_callback_intro"


def handoff_response(settings: ClinicSettings, now: Optional[datetime] = None) -> str:
    """``utter_handoff_open`` during opening hours, else ``utter_handoff_closed``."""
    return "utter_handoff_open" if settings.is_open(now) else "utter_handoff_closed"


class ActionHandoff(Action):
    """Give the clinic's phone and email; after hours, say so and give the hours.

    A patient who asked to be called ("can someone call me back?") gets the call-back form
    at once, as if they had pressed its button, instead of a button to ask again.
    """

    def name(self) -> Text:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        settings = get_settings()
        if asks_for_call_back(str(tracker.latest_message.get("text") or "")):
            dispatcher.utter_message(response=CALLBACK_INTRO, **settings.as_slots())
            return [FollowupAction(CALLBACK_FORM)]
        response = handoff_response(settings)
        dispatcher.utter_message(response=response, **settings.as_slots())
        return []
