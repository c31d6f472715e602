"""The form questions that depend on the conversation or on the clinic.

- On SMS and WhatsApp the phone / contact question offers the number the patient is
  texting from, with a "Use this number" button (bot/channels/known_phone.py); on the
  website, REST, Telegram and Messenger the number is not known and nothing changes.
- The pain-area question offers what the patient already mentioned (the ``condition``
  or ``body_part`` slot) as a yes / no, so nobody types their pain twice.
- The "which days and times?" buttons follow the clinic's opening hours (clinic.yml):
  no "Saturday" button for a clinic that is closed on Saturdays.
- The last question shows a summary of every answer with "Send it" / "Change" buttons;
  nothing is stored before the patient confirms it.
"""

from __future__ import annotations

from datetime import time
from typing import Any, Dict, List, Mapping, Optional, Sequence, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.booking.slots import (
    CALLBACK_FORM,
    EMAIL,
    KNOWN_PHONE,
    KNOWN_PHONE_DECLINED,
    KNOWN_PHONE_OFFERED,
    MENTIONED_BODY_PART,
    MENTIONED_CONDITION,
    NAME,
    PAIN_AREA,
    PAIN_DECLINED,
    PAIN_SUGGESTION,
    PATIENT_TYPE,
    PHONE,
    TIMES,
)
from bot.bookings.countries import regions_named
from bot.bookings.validation import display_phone, display_phone_for
from bot.channels.known_phone import sender_phone
from bot.channels.phone_region import region_hints
from bot.nlp.catalog import Catalog, get_catalog
from bot.settings import WEEKDAYS, get_settings

# Summary lines, in order: (slot, label). Empty answers are left out.
SUMMARY_LINES = (
    (NAME, "Name"),
    (PHONE, "Phone"),
    (EMAIL, "Email"),
    (PAIN_AREA, "Pain area"),
    (PATIENT_TYPE, "Patient"),
    (TIMES, "Best times"),
)
PATIENT_TYPE_LABELS = {"new": "New patient", "returning": "Returning patient"}

# Quick replies for "which days and times?": (title, days, from, to). A button is shown
# when the clinic is open during part of that window on one of those days.
MONDAY_TO_FRIDAY = WEEKDAYS[:5]
TIME_CHOICES: Tuple[Tuple[str, Sequence[str], time, time], ...] = (
    ("Weekday mornings", MONDAY_TO_FRIDAY, time(0, 0), time(12, 0)),
    ("Weekday afternoons", MONDAY_TO_FRIDAY, time(12, 0), time(17, 0)),
    ("Weekday evenings", MONDAY_TO_FRIDAY, time(17, 0), time.max),
    ("Saturday", ("saturday",), time(0, 0), time.max),
    ("Sunday", ("sunday",), time(0, 0), time.max),
)
# Without opening hours in clinic.yml, offer the usual choices.
DEFAULT_TIME_CHOICES = ("Weekday mornings", "Weekday afternoons", "Weekday evenings", "Saturday")


def pain_suggestion(
    condition: Optional[str], body_part: Optional[str], catalog: Optional[Catalog] = None
) -> Optional[str]:
    """How to name the pain the patient already mentioned, e.g. 'carpal tunnel syndrome'
    or 'knee pain'; None when nothing was mentioned."""
    catalog = catalog or get_catalog()
    if condition and str(condition).strip():
        found = catalog.find_condition(str(condition))
        return found.label if found else str(condition).strip().lower()
    if body_part and str(body_part).strip():
        key = catalog.find_body_part(str(body_part)) or str(body_part).strip().lower()
        return f"{key.replace('_', ' ')} pain"
    return None


def summary_text(slots: Mapping[str, Any]) -> str:
    """One line per answer, e.g. 'Name: Sam Lee'."""
    lines = []
    for slot, label in SUMMARY_LINES:
        value = slots.get(slot)
        if value in (None, ""):
            continue
        if slot == PHONE:
            value = display_phone_for(str(value), get_settings().phone_region)
        elif slot == PATIENT_TYPE:
            value = PATIENT_TYPE_LABELS.get(str(value), str(value))
        lines.append(f"{label}: {value}")
    return "\n".join(lines)


def time_choices(opening_hours: Mapping[str, Tuple[time, time]]) -> List[str]:
    """Titles of the time buttons that fit the clinic's opening hours."""
    if not opening_hours:
        return list(DEFAULT_TIME_CHOICES)

    def open_during(day: str, start: time, end: time) -> bool:
        hours = opening_hours.get(day)
        return hours is not None and hours[0] < end and hours[1] > start

    return [
        title
        for title, days, start, end in TIME_CHOICES
        if any(open_during(day, start, end) for day in days)
    ]


class ActionAskTimes(Action):
    """Ask for good days and times (or a good time to call), with buttons that fit the hours."""

    def name(self) -> Text:
        return "action_ask_request_times"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        callback = tracker.active_loop_name == CALLBACK_FORM
        response = "utter_request_call_time" if callback else "utter_request_times"
        buttons = [
            {"title": title, "payload": title}
            for title in time_choices(get_settings().opening_hours)
        ]
        dispatcher.utter_message(response=response, buttons=buttons)
        return []


def known_phone(tracker: Tracker) -> Optional[str]:
    """The number the patient is texting from (E.164), on SMS and WhatsApp only; else None."""
    return sender_phone(
        tracker.sender_id, tracker.get_latest_input_channel(), get_settings().phone_region
    )


# How many of the patient's earlier messages are searched for a country they named.
EARLIER_MESSAGES_FOR_COUNTRY = 20


def phone_hints(tracker: Tracker) -> Tuple[str, ...]:
    """Countries the patient is probably in, for a number typed without its country code.

    Best first: a country named in the answer itself ("0412 345 678, Australia"); the
    country they text from, or their browser's time zone (bot/channels/phone_region.py);
    a country they named earlier in the conversation ("I'm visiting from Sydney,
    Australia"). A hint counts only when the number is valid there, and the summary shows
    the number with its country code before anything is sent."""
    texts = [
        str(event.get("text") or "") for event in tracker.events if event.get("event") == "user"
    ][-(EARLIER_MESSAGES_FOR_COUNTRY + 1) :]
    latest = str(tracker.latest_message.get("text") or "")
    earlier = texts[:-1] if texts and texts[-1] == latest else texts
    return region_hints(
        tracker.sender_id,
        tracker.get_latest_input_channel(),
        tracker.latest_message.get("metadata"),
        get_settings().phone_region,
        named=regions_named(latest),
        named_before=[region for text in reversed(earlier) for region in regions_named(text)],
    )


def ask_offering_known_phone(
    dispatcher: CollectingDispatcher, tracker: Tracker, plain: str, offer: str
) -> List[EventType]:
    """Ask ``plain``, or ``offer`` with the sender's number when it is known and not declined."""
    if tracker.get_slot(KNOWN_PHONE) == KNOWN_PHONE_DECLINED:
        dispatcher.utter_message(response=plain)
        return []
    phone = known_phone(tracker)
    if phone is None:
        dispatcher.utter_message(response=plain)
        return [SlotSet(KNOWN_PHONE, None)]
    dispatcher.utter_message(response=offer, known_phone=display_phone(phone))
    return [SlotSet(KNOWN_PHONE, KNOWN_PHONE_OFFERED)]


class ActionAskContact(Action):
    """Booking: "phone or email?", offering the number texting on SMS and WhatsApp."""

    def name(self) -> Text:
        return "action_ask_request_contact"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        return ask_offering_known_phone(
            dispatcher, tracker, "utter_ask_request_contact", "utter_request_contact_known"
        )


class ActionAskPhone(Action):
    """Call-back: "which phone?", offering the number texting on SMS and WhatsApp."""

    def name(self) -> Text:
        return "action_ask_request_phone"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        return ask_offering_known_phone(
            dispatcher, tracker, "utter_ask_request_phone", "utter_request_phone_known"
        )


class ActionAskPainArea(Action):
    """Ask about the pain area, offering the one mentioned earlier when there is one."""

    def name(self) -> Text:
        return "action_ask_request_pain_area"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        suggestion = None
        if not tracker.get_slot(PAIN_DECLINED):
            suggestion = pain_suggestion(
                tracker.get_slot(MENTIONED_CONDITION), tracker.get_slot(MENTIONED_BODY_PART)
            )
        if suggestion:
            dispatcher.utter_message(
                response="utter_request_pain_area_known", pain_suggestion=suggestion
            )
        else:
            dispatcher.utter_message(response="utter_request_pain_area_open")
        return [SlotSet(PAIN_SUGGESTION, suggestion)]


class ActionAskConfirmed(Action):
    """Show every answer and ask to send it or change something."""

    def name(self) -> Text:
        return "action_ask_request_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        dispatcher.utter_message(
            response="utter_ask_request_confirmed",
            request_summary=summary_text(tracker.current_slot_values()),
            **get_settings().as_slots(),
        )
        return []
