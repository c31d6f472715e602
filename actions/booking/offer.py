"""Offer to book: the clinic's booking link, its phone, and "send my details" (the form)."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.settings import get_settings


class ActionBookConsultation(Action):
    """Offer to send the patient's details from the chat, with the booking link and phone."""

    def name(self) -> Text:
        return "action_book_consultation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        settings = get_settings()
        dispatcher.utter_message(
            response="utter_book_consultation",
            booking_link=settings.booking_url,
            **settings.as_slots(),
        )
        return []
