"""Reply to a phone number or email address typed on its own, outside a form.

ContactDetailsClassifier (bot/bookings/contact_classifier.py) gives such a message the
intent ``share_contact``. Nothing typed this way is stored: after a request was sent
the patient is told how to change its details, otherwise how to have the clinic
contact them.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.booking.slots import SENT_REFERENCE
from bot.settings import get_settings


class ActionContactDetails(Action):
    """Say what happens with contact details typed on their own (nothing is stored)."""

    def name(self) -> Text:
        return "action_contact_details"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        clinic = get_settings().as_slots()
        reference = tracker.get_slot(SENT_REFERENCE)
        if reference:
            dispatcher.utter_message(
                response="utter_contact_after_request", request_reference=str(reference), **clinic
            )
        else:
            dispatcher.utter_message(response="utter_contact_without_request", **clinic)
        return []
