"""Check each answer of the booking and call-back forms as the patient gives it.

The form slots use custom mappings, so each ``extract_<slot>`` method here decides
whether the latest message answers the question just asked. If it does not (a red
flag, "cancel", a question about PIT, asking for a person), nothing is extracted, Rasa
rejects the form for this turn and the rules in data/rules/booking.yml take over; after
a question or a red flag the form then asks its question again. Each
``validate_<slot>`` turns an answer into a clean value or re-asks with a hint; after
two unusable answers for the same question it also offers the clinic's phone number.
Personal details are never logged, only field and code.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction
from rasa_sdk.types import DomainDict

from actions.booking.answers import (
    CHANGE as CHANGE_READING,
)
from actions.booking.answers import (
    NO_CHANGE,
    Reading,
    UnusableAnswer,
    button_titles,
    check_contact,
    check_free_text,
    check_name,
    check_phone,
    interrupts,
    is_contact_like,
    read_change_choice,
    read_confirmation,
    read_name,
    read_patient_type,
    read_use_number,
    read_yes_no,
)
from actions.booking.ask import known_phone, phone_hints
from actions.booking.prefill import offered_details, prefilled
from actions.booking.slots import (
    BOOKING,
    CALLBACK,
    CHANGE,
    CHANGING,
    CONFIRMED,
    CONSENT,
    CONSENT_AT,
    CONTACT,
    EMAIL,
    FAILURES,
    KNOWN_PHONE,
    KNOWN_PHONE_DECLINED,
    KNOWN_PHONE_OFFERED,
    NAME,
    PAIN_AREA,
    PAIN_DECLINED,
    PAIN_SUGGESTION,
    PATIENT_TYPE,
    PHONE,
    PHONE_ELSEWHERE,
    TIMES,
    FormSpec,
)
from actions.message import Said
from bot import intents
from bot.bookings.countries import names_a_country
from bot.bookings.intake import PAIN_AREA_MAX_LEN, PREFERRED_TIMES_MAX_LEN
from bot.bookings.validation import (
    ForeignPhone,
    InvalidInput,
    country_abroad,
    display_phone,
    phone_in_named_country,
    typed_with_country_code,
)
from bot.settings import get_settings

logger = logging.getLogger(__name__)

# After this many unusable answers to one question, also offer the clinic's phone.
FAILURES_BEFORE_PHONE_OFFER = 2
CALL_INSTEAD_RESPONSE = "utter_request_call_instead"
READ_ABROAD_RESPONSE = "utter_request_phone_read_abroad"
COUNTRY_NEEDED_RESPONSE = "utter_request_phone_country"
PAIN_ENTITIES = (intents.CONDITION_ENTITY, intents.BODY_PART_ENTITY)

SlotValues = Dict[Text, Any]


def _mentions_pain(said: Said) -> bool:
    return any(said.entity(label) for label in PAIN_ENTITIES)


def _contact_reading(
    said: Said, phone_offered: bool = False, number_elsewhere: bool = False
) -> Optional[Reading]:
    """Digits or an "@": an attempt at a phone number or email, whatever the classifier says.
    When the number texting was offered, also yes / no to it ("Use this number", "1", "no").
    When the form asked which country a number is from, also a country ("Australia", "+61")."""
    if is_contact_like(said.text):
        return Reading(said.text, exact=True)
    if number_elsewhere and names_a_country(said.text):
        return Reading(said.text, exact=True)
    return read_use_number(said) if phone_offered else None


def _in_named_country(tracker: Tracker, value: Any) -> Optional[str]:
    """The number typed earlier without its country code, read in the country the answer
    names (E.164); None when no such number waits or the answer is a new number or email.

    An answer that names no country is refused with the country question again, not the
    general "type a phone number" hint: the patient has typed their number already and
    has only to say where it is from."""
    local = tracker.get_slot(PHONE_ELSEWHERE)
    text = str(value or "")
    if not local or is_contact_like(text):
        return None
    phone = phone_in_named_country(str(local), text)
    if phone is None:
        raise UnusableAnswer(COUNTRY_NEEDED_RESPONSE, "phone_country_missing")
    return phone


def _tell_country_read(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    slot: str,
    typed: Any,
    phone: Optional[str],
) -> None:
    """Say which country a number typed without its code was taken for, when that is not
    the clinic's: read from how it is written or from where the patient seems to be
    (normalise_phone), it is a guess the patient should see at once, not only on the
    summary. Nothing is said for an answer to another question or a number with its code."""
    if not phone or tracker.get_slot(REQUESTED_SLOT) != slot:
        return
    text = str(typed or "")
    if typed_with_country_code(text) or names_a_country(text):
        return  # the patient gave the country themselves
    country = country_abroad(phone, get_settings().phone_region)
    if country:
        dispatcher.utter_message(
            response=READ_ABROAD_RESPONSE,
            phone_written=display_phone(phone),
            phone_country=country,
        )


def _known_phone_choice(tracker: Tracker) -> Optional[Reading]:
    """Yes / no to the offered number texting, or None (not offered, or a typed answer)."""
    said = Said.from_message(tracker.latest_message)
    if tracker.get_slot(KNOWN_PHONE) != KNOWN_PHONE_OFFERED or is_contact_like(said.text):
        return None
    return read_use_number(said)


def _consent_reading(said: Said) -> Optional[Reading]:
    """Consent must be explicit: a button or a plain yes / no, never the classifier's guess."""
    return read_yes_no(said, strict=True)


def _pain_reading(said: Said, suggestion: Optional[str]) -> Optional[Reading]:
    """Yes / no to the suggested pain area; a message naming a body part is a description."""
    if not suggestion or _mentions_pain(said):
        return None
    return read_yes_no(said)


class RequestFormValidation(FormValidationAction, ABC):
    """Shared checks of both forms; subclasses say which form (``spec``)."""

    spec: FormSpec

    @abstractmethod
    def name(self) -> Text:
        """``validate_<form name>``."""

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        return self.spec.required_slots(tracker.slots)

    # --- is the latest message the answer to the question just asked? -----------------

    def _answer(
        self,
        tracker: Tracker,
        slot: str,
        reader: Optional[Callable[[Said], Optional[Reading]]] = None,
        free_text: bool = False,
    ) -> SlotValues:
        """The latest message as the answer to ``slot``, if that was asked and it is one.

        When the form starts (nothing asked yet), the details the patient typed before
        accepting the details offer fill ``slot`` (actions/booking/prefill.py)."""
        if tracker.get_slot(REQUESTED_SLOT) != slot:
            if tracker.get_slot(REQUESTED_SLOT) is None and tracker.get_slot(slot) is None:
                details = offered_details(tracker.events)
                return prefilled(details, slot, get_settings().phone_region, phone_hints(tracker))
            return {}
        said = Said.from_message(tracker.latest_message)
        reading = reader(said) if reader else None
        if interrupts(said, reading, free_text=free_text):
            return {}
        return {slot: said.text}

    async def extract_request_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        return self._answer(tracker, NAME, read_name, free_text=True)

    async def extract_request_contact(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        return self._answer(tracker, CONTACT, self._contact_reader(tracker))

    async def extract_request_phone(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        return self._answer(tracker, PHONE, self._contact_reader(tracker))

    @staticmethod
    def _contact_reader(tracker: Tracker) -> Callable[[Said], Optional[Reading]]:
        offered = tracker.get_slot(KNOWN_PHONE) == KNOWN_PHONE_OFFERED
        elsewhere = bool(tracker.get_slot(PHONE_ELSEWHERE))
        return lambda said: _contact_reading(said, offered, elsewhere)

    async def extract_request_pain_area(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        suggestion = tracker.get_slot(PAIN_SUGGESTION)
        return self._answer(
            tracker, PAIN_AREA, lambda s: _pain_reading(s, suggestion), free_text=True
        )

    async def extract_request_patient_type(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        return self._answer(tracker, PATIENT_TYPE, read_patient_type)

    async def extract_request_times(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        return self._answer(tracker, TIMES, free_text=True)

    async def extract_request_consent(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        return self._answer(tracker, CONSENT, _consent_reading)

    async def extract_request_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        return self._answer(tracker, CONFIRMED, read_confirmation)

    async def extract_request_change(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        return self._answer(tracker, CHANGE, lambda s: read_change_choice(s, self.spec.changes))

    # --- is the answer usable? ----------------------------------------------------------

    def _check(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        slot: str,
        check: Callable[[], SlotValues],
    ) -> SlotValues:
        """Run ``check``; on an unusable answer say why, count it, and ask again.

        Only the answer to the question just asked is checked, and a detail the form
        starts with (actions/booking/prefill.py): checking it again sets what it implies
        (the phone and email slots of a contact, which Rasa's SDK drops when only
        extracted); an unusable one is dropped without a word and asked for as usual.
        """
        requested = tracker.get_slot(REQUESTED_SLOT)
        if requested is None:
            try:
                return check()
            except InvalidInput:
                return {slot: None}
        if requested != slot:
            return {}
        failures = dict(tracker.get_slot(FAILURES) or {})
        try:
            values = check()
        except InvalidInput as error:
            failures[slot] = int(failures.get(slot, 0)) + 1
            logger.info("%s: unusable answer for %s (%s)", self.form_name(), slot, error.code)
            if isinstance(error, UnusableAnswer):
                dispatcher.utter_message(response=error.response, **get_settings().as_slots())
            else:
                dispatcher.utter_message(text=error.hint)
            if failures[slot] >= FAILURES_BEFORE_PHONE_OFFER:
                dispatcher.utter_message(
                    response=CALL_INSTEAD_RESPONSE, **get_settings().as_slots()
                )
            kept = {PHONE_ELSEWHERE: error.local} if isinstance(error, ForeignPhone) else {}
            return {slot: None, FAILURES: failures, **kept}
        failures.pop(slot, None)
        return {**values, FAILURES: failures or None}

    @staticmethod
    def _said(tracker: Tracker) -> Said:
        return Said.from_message(tracker.latest_message)

    def validate_request_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        refused = button_titles(domain)
        return self._check(
            dispatcher, tracker, NAME, lambda: {NAME: check_name(str(value or ""), refused)}
        )

    @staticmethod
    def _known_phone_answer(tracker: Tracker, slot: str) -> Optional[SlotValues]:
        """The values for yes / no to the offered number texting, or None for any other answer.

        Yes: the number is read again from the conversation id, never from the message.
        No: the question is asked again without the offer."""
        choice = _known_phone_choice(tracker)
        if choice is None:
            return None
        if not choice.value:
            return {slot: None, KNOWN_PHONE: KNOWN_PHONE_DECLINED}
        phone = known_phone(tracker)
        if phone is None:
            return None  # not known after all: checked as a typed answer (and re-asked)
        if slot == CONTACT:
            return {CONTACT: phone, PHONE: phone, EMAIL: None}
        return {PHONE: phone}

    def validate_request_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        def check() -> SlotValues:
            known = self._known_phone_answer(tracker, CONTACT)
            if known is not None:
                return known
            elsewhere = _in_named_country(tracker, value)
            if elsewhere is not None:
                return {CONTACT: elsewhere, PHONE: elsewhere, EMAIL: None, PHONE_ELSEWHERE: None}
            phone, email = check_contact(
                str(value or ""), get_settings().phone_region, phone_hints(tracker)
            )
            contact = " ".join(v for v in (phone, email) if v)
            _tell_country_read(dispatcher, tracker, CONTACT, value, phone)
            return {CONTACT: contact, PHONE: phone, EMAIL: email, PHONE_ELSEWHERE: None}

        return self._check(dispatcher, tracker, CONTACT, check)

    def validate_request_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        def check() -> SlotValues:
            known = self._known_phone_answer(tracker, PHONE)
            if known is not None:
                return known
            elsewhere = _in_named_country(tracker, value)
            if elsewhere is not None:
                return {PHONE: elsewhere, PHONE_ELSEWHERE: None}
            region, hints = get_settings().phone_region, phone_hints(tracker)
            phone = check_phone(str(value or ""), region, hints)
            _tell_country_read(dispatcher, tracker, PHONE, value, phone)
            return {PHONE: phone, PHONE_ELSEWHERE: None}

        return self._check(dispatcher, tracker, PHONE, check)

    def validate_request_pain_area(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        suggestion = tracker.get_slot(PAIN_SUGGESTION)
        reading = _pain_reading(self._said(tracker), suggestion)
        if tracker.get_slot(REQUESTED_SLOT) != PAIN_AREA:
            return {}
        if reading is not None and reading.value:
            return self._check(dispatcher, tracker, PAIN_AREA, lambda: {PAIN_AREA: suggestion})
        if reading is not None:  # "something else": ask the open question instead
            return {PAIN_AREA: None, PAIN_DECLINED: True, PAIN_SUGGESTION: None}
        text = str(value or "")
        return self._check(
            dispatcher,
            tracker,
            PAIN_AREA,
            lambda: {PAIN_AREA: check_free_text(text, PAIN_AREA_MAX_LEN)},
        )

    def validate_request_patient_type(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        def check() -> SlotValues:
            reading = read_patient_type(self._said(tracker))
            if reading is None:
                raise UnusableAnswer("utter_request_patient_type_hint", "patient_type_unclear")
            return {PATIENT_TYPE: reading.value}

        return self._check(dispatcher, tracker, PATIENT_TYPE, check)

    def validate_request_times(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        text = str(value or "")
        return self._check(
            dispatcher,
            tracker,
            TIMES,
            lambda: {TIMES: check_free_text(text, PREFERRED_TIMES_MAX_LEN)},
        )

    def validate_request_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        def check() -> SlotValues:
            reading = _consent_reading(self._said(tracker))
            if reading is None:
                raise UnusableAnswer("utter_request_yes_no_hint", "consent_unclear")
            if reading.value:
                return {CONSENT: True, CONSENT_AT: datetime.now(timezone.utc).isoformat()}
            return {CONSENT: False, CONSENT_AT: None}  # ends the form; nothing is stored

        return self._check(dispatcher, tracker, CONSENT, check)

    def validate_request_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        def check() -> SlotValues:
            reading = read_confirmation(self._said(tracker))
            if reading is None:
                raise UnusableAnswer("utter_request_confirm_hint", "confirm_unclear")
            if reading.value == CHANGE_READING:
                return {CONFIRMED: None, CHANGING: True}
            return {CONFIRMED: True}

        return self._check(dispatcher, tracker, CONFIRMED, check)

    def validate_request_change(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        def check() -> SlotValues:
            reading = read_change_choice(self._said(tracker), self.spec.changes)
            if reading is None:
                raise UnusableAnswer("utter_request_change_hint", "change_unclear")
            values: SlotValues = {CHANGE: None, CHANGING: None}
            if reading.value != NO_CHANGE:
                values.update(dict.fromkeys(self.spec.changes[reading.value]))
            if reading.value == "pain_area":
                values.update({PAIN_DECLINED: True, PAIN_SUGGESTION: None})
            return values

        return self._check(dispatcher, tracker, CHANGE, check)


class ValidateBookingForm(RequestFormValidation):
    """Name, phone or email, pain area, new or returning, times, consent, summary."""

    spec = BOOKING

    def name(self) -> Text:
        return "validate_booking_form"


class ValidateCallbackForm(RequestFormValidation):
    """Name, phone, a good time to call, consent, summary."""

    spec = CALLBACK

    def name(self) -> Text:
        return "validate_callback_form"
