"""The slots behind the booking and call-back forms, and what each form asks.

One place for the slot names so the validation action, the questions, the summary
and the submit action cannot drift apart. Both forms share the slots (a name is a
name), which is also why every one of them is cleared when a request ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Mapping, Tuple

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.forms import REQUESTED_SLOT

from bot import intents
from bot.bookings.constants import BOOKING_KIND, CALLBACK_KIND

BOOKING_FORM = "booking_form"
CALLBACK_FORM = "callback_form"

# Questions (filled by the patient's answers).
NAME = "request_name"
CONTACT = "request_contact"  # booking: "phone or email?"; fills PHONE and/or EMAIL
PHONE = "request_phone"  # E.164; asked directly by the call-back form
EMAIL = "request_email"
PAIN_AREA = "request_pain_area"
PATIENT_TYPE = "request_patient_type"  # "new" | "returning"
TIMES = "request_times"
CONSENT = "request_consent"  # True | False
CHANGE = "request_change"  # which detail to redo, asked after "Change" at the summary
CONFIRMED = "request_confirmed"  # True once the patient confirmed the summary

# Conversation slots filled from the entities of the same name (domain.yml): what the
# patient mentioned earlier, which the pain-area question offers back.
MENTIONED_CONDITION = intents.CONDITION_ENTITY
MENTIONED_BODY_PART = intents.BODY_PART_ENTITY

# Bookkeeping (set by the actions, never asked).
CONSENT_AT = "request_consent_at"  # ISO 8601 UTC time the patient agreed
CHANGING = "request_changing"  # True between "Change" and the choice of detail
FAILURES = "request_failures"  # {slot: number of unusable answers}
PAIN_SUGGESTION = "request_pain_suggestion"  # what the pain-area question offered
PAIN_DECLINED = "request_pain_declined"  # the patient said the suggestion was wrong
# The phone the patient is texting from (SMS, WhatsApp), offered at the phone / contact
# question: KNOWN_PHONE_OFFERED while offered, KNOWN_PHONE_DECLINED once the patient said no.
# Never the number itself: that is read again from the conversation id when it is chosen.
KNOWN_PHONE = "request_known_phone"
KNOWN_PHONE_OFFERED, KNOWN_PHONE_DECLINED = "offered", "declined"
# A number typed without its country code that is some other country's, kept while the
# form asks which country it is from, so "Australia" or "+61" completes it.
PHONE_ELSEWHERE = "request_phone_elsewhere"

# The reference of the last request sent in this conversation. Not one of the form's
# answers: it stays after they are cleared, so a phone number or email typed after
# sending gets a reply about that request (actions/contact.py).
SENT_REFERENCE = "sent_request_reference"

ALL_SLOTS = (
    NAME,
    CONTACT,
    PHONE,
    EMAIL,
    PAIN_AREA,
    PATIENT_TYPE,
    TIMES,
    CONSENT,
    CHANGE,
    CONFIRMED,
    CONSENT_AT,
    CHANGING,
    FAILURES,
    PAIN_SUGGESTION,
    PAIN_DECLINED,
    KNOWN_PHONE,
    PHONE_ELSEWHERE,
)


@dataclass(frozen=True)
class FormSpec:
    """One form: its request kind, its questions in order, and what "Change" can redo."""

    form: str
    kind: str  # the RequestDetails kind: BOOKING_KIND | CALLBACK_KIND
    questions: Tuple[str, ...]
    # choice -> the slots to clear so the form asks for that detail again
    changes: Mapping[str, Tuple[str, ...]]

    def required_slots(self, slots: Mapping[str, Any]) -> List[str]:
        """What the form still has to ask, given the answers so far.

        Refusing consent ends the form at once (nothing more is asked); after
        "Change" the patient is asked which detail to redo before the summary.
        """
        if slots.get(CONSENT) is False:
            return []
        required = list(self.questions)
        if slots.get(CHANGING):
            required.append(CHANGE)
        required.append(CONFIRMED)
        return required


BOOKING = FormSpec(
    form=BOOKING_FORM,
    kind=BOOKING_KIND,
    questions=(NAME, CONTACT, PAIN_AREA, PATIENT_TYPE, TIMES, CONSENT),
    changes={
        "name": (NAME,),
        "contact": (CONTACT, PHONE, EMAIL, PHONE_ELSEWHERE),
        "pain_area": (PAIN_AREA,),
        "patient_type": (PATIENT_TYPE,),
        "times": (TIMES,),
    },
)

CALLBACK = FormSpec(
    form=CALLBACK_FORM,
    kind=CALLBACK_KIND,
    questions=(NAME, PHONE, TIMES, CONSENT),
    changes={"name": (NAME,), "contact": (PHONE, PHONE_ELSEWHERE), "times": (TIMES,)},
)


def reset_events() -> List[EventType]:
    """Forget every answer: after a request is sent, refused or cancelled."""
    return [SlotSet(name, None) for name in ALL_SLOTS] + [SlotSet(REQUESTED_SLOT, None)]
