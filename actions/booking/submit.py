"""The end of a booking or call-back form: send the request, or say nothing was stored
(consent refused, "cancel", or a request to talk to a person, which then hands off).

The forms (validated in actions/booking/validate.py) collect the details; the submit
actions here run when a form ends and store the request through
:mod:`bot.bookings.service`, which passes it on to the clinic. A storage failure
never reaches the patient as an error: when the database is unreachable the request is
kept on disk (bot/bookings/spool.py) and the patient is told so, with the reference;
when it cannot be kept either, they are told to phone the clinic.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from datetime import datetime, timezone
from functools import partial
from typing import Any, Dict, List, Mapping, Optional, Sequence, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.booking.slots import (
    BOOKING,
    CALLBACK,
    CONFIRMED,
    CONSENT,
    CONSENT_AT,
    EMAIL,
    NAME,
    PAIN_AREA,
    PATIENT_TYPE,
    PHONE,
    SENT_REFERENCE,
    TIMES,
    FormSpec,
    reset_events,
)
from actions.handoff import handoff_response
from bot.bookings import service
from bot.bookings.config import parse_booking_config
from bot.bookings.constants import BOOKING_KIND
from bot.bookings.intake import RequestDetails
from bot.bookings.repository import DailyLimitReached
from bot.bookings.validation import InvalidInput, display_phone
from bot.settings import ClinicSettings, get_settings

logger = logging.getLogger(__name__)

# Said when limits.booking_requests_per_day (clinic.yml) is reached for this phone or email.
DAILY_LIMIT_RESPONSE = "utter_request_daily_limit"
# Said when the database was unreachable and the request was kept to be stored later.
KEPT_RESPONSE = "utter_request_kept"
FAILED_RESPONSE = "utter_request_failed"


def request_details(
    kind: str, slots: Mapping[str, Any], channel: Optional[str], conversation_id: Optional[str]
) -> RequestDetails:
    """The form's answers as the storage's :class:`RequestDetails`."""
    return RequestDetails(
        kind=kind,
        name=str(slots.get(NAME) or ""),
        phone=slots.get(PHONE),
        email=slots.get(EMAIL),
        pain_area=slots.get(PAIN_AREA),
        patient_type=slots.get(PATIENT_TYPE),
        preferred_times=slots.get(TIMES),
        consent_at=slots.get(CONSENT_AT),
        channel=channel or "unknown",
        conversation_id=conversation_id,
    )


def form_started_at(events: Sequence[Mapping[str, Any]], form: str) -> Optional[datetime]:
    """When this form last became active: a resent confirmation within it is the same request."""
    for event in reversed(events):
        if event.get("event") == "active_loop" and event.get("name") == form:
            stamp = event.get("timestamp")
            return datetime.fromtimestamp(float(stamp), timezone.utc) if stamp else None
    return None


def clinic_is_notified(settings: ClinicSettings) -> bool:
    """Whether a request reaches the clinic by itself (webhook or email), not only as a
    booking link the patient has to finish; the wording after sending depends on it."""
    return any(name != "link" for name in parse_booking_config(settings).handoff)


def _describe(error: Exception) -> str:
    """What went wrong, for the log, without any of the patient's details."""
    if isinstance(error, InvalidInput):
        return f"refused: {error.field}/{error.code}"
    return type(error).__name__


class SubmitRequest(Action, ABC):
    """Store the request once the form is complete (or say nothing was stored)."""

    spec: FormSpec
    sent_response: str
    # Sent instead when only the booking link hands the request over (None: same wording).
    link_only_response: Optional[str] = None

    @abstractmethod
    def name(self) -> Text:
        """``action_submit_<kind>``."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        settings = get_settings()
        clinic = settings.as_slots()
        slots = tracker.current_slot_values()
        if slots.get(CONSENT) is not True or slots.get(CONFIRMED) is not True:
            dispatcher.utter_message(response="utter_request_no_consent", **clinic)
            return reset_events()
        details = request_details(
            self.spec.kind, slots, tracker.get_latest_input_channel(), tracker.sender_id
        )
        try:
            # The database call blocks: keep the action server's event loop free.
            started = form_started_at(tracker.events, self.spec.form)
            result = await asyncio.get_running_loop().run_in_executor(
                None, partial(service.submit_request, details, form_started_at=started)
            )
        except DailyLimitReached as reached:
            logger.info("refused a %s request: daily limit per contact", self.spec.kind)
            dispatcher.utter_message(
                response=DAILY_LIMIT_RESPONSE, request_daily_limit=reached.limit, **clinic
            )
            return reset_events()
        except Exception as error:  # noqa: BLE001 - whatever failed, the patient gets a way forward
            logger.error("could not store a %s request (%s)", self.spec.kind, _describe(error))
            dispatcher.utter_message(response=FAILED_RESPONSE, **clinic)
            return reset_events()
        reference = result.reference
        sent = reset_events() + [SlotSet(SENT_REFERENCE, reference)]
        if result.spooled and clinic_is_notified(settings):
            dispatcher.utter_message(response=KEPT_RESPONSE, request_reference=reference, **clinic)
            if result.link_url and self.spec.kind == BOOKING_KIND:
                dispatcher.utter_message(
                    response="utter_request_link", request_link=result.link_url
                )
            return sent
        if result.spooled and not (result.link_url and self.link_only_response):
            # Only the booking link hands requests over, and there is none to show here:
            # the clinic would not hear of this one by itself.
            dispatcher.utter_message(response=FAILED_RESPONSE, **clinic)
            return reset_events()
        # Stored, or spooled with the booking link as the hand-off: the patient finishes there.
        logger.info(
            "%s %s request %s", "spooled" if result.spooled else "stored", result.kind, reference
        )
        values = dict(
            clinic,
            request_reference=reference,
            callback_phone=display_phone(str(details.phone or "")),
        )
        if result.link_url and self.link_only_response and not clinic_is_notified(settings):
            dispatcher.utter_message(
                response=self.link_only_response, request_link=result.link_url, **values
            )
            return sent
        dispatcher.utter_message(response=self.sent_response, **values)
        if result.link_url and self.spec.kind == BOOKING_KIND:
            dispatcher.utter_message(response="utter_request_link", request_link=result.link_url)
        return sent


class ActionSubmitBooking(SubmitRequest):
    spec = BOOKING
    sent_response = "utter_booking_sent"
    link_only_response = "utter_booking_saved"

    def name(self) -> Text:
        return "action_submit_booking"


class ActionSubmitCallback(SubmitRequest):
    spec = CALLBACK
    sent_response = "utter_callback_sent"

    def name(self) -> Text:
        return "action_submit_callback"


class ActionCancelRequest(Action):
    """The patient stopped a form: confirm that nothing was stored and forget the answers."""

    def name(self) -> Text:
        return "action_cancel_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        dispatcher.utter_message(response="utter_request_cancelled", **get_settings().as_slots())
        return reset_events()


class ActionStopRequestForHandoff(Action):
    """The patient asked for a person mid-form: stop (nothing stored, answers forgotten)
    and give the clinic's phone and email, as "talk to a person" does anywhere else."""

    def name(self) -> Text:
        return "action_stop_request_for_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        settings = get_settings()
        dispatcher.utter_message(response="utter_request_stopped_for_handoff")
        dispatcher.utter_message(response=handoff_response(settings), **settings.as_slots())
        return reset_events()
