"""Reply to a name, phone number or email typed on its own, outside a form.

PersonalDetailsClassifier (bot/conversation/personal_details.py) gives such a message the
intent ``share_details``. Nothing typed this way is stored here:
- after a request was sent, the patient is told how to change its details (by phone,
  with the reference), since a saved request is never changed from the chat;
- otherwise the details offer asks whether to book or to ask for a call back; if the
  patient accepts, the form reads the detail back from that message and fills it in
  (actions/booking/prefill.py), and still stores nothing before the patient confirms.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.booking.prefill import DETAILS_OFFER
from actions.booking.slots import SENT_REFERENCE
from bot.settings import get_settings


class ActionContactDetails(Action):
    """Say what happens with personal details typed on their own (nothing is stored)."""

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
            dispatcher.utter_message(response=DETAILS_OFFER, **clinic)
        return []
