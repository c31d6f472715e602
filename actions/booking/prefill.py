"""Start a form with the detail the patient typed before it was asked.

A name, phone number or email typed when no form was asking gets the details offer
(utter_details_offer). Nothing is stored then: only when the patient accepts the offer
(the very next message starts a form) is the detail read back from that earlier message,
checked by the same rules as a typed answer, and filled in.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Sequence

from actions.booking.answers import check_contact, check_name, check_phone
from actions.booking.slots import CONTACT, EMAIL, NAME, PHONE
from bot.bookings.validation import InvalidInput
from bot.conversation.personal_details import EMAIL as EMAIL_KIND
from bot.conversation.personal_details import NAME as NAME_KIND
from bot.conversation.personal_details import PHONE as PHONE_KIND
from bot.conversation.personal_details import Detail, find_detail

DETAILS_OFFER = "utter_details_offer"


def offered_detail(events: Sequence[Mapping[str, Any]]) -> Optional[Detail]:
    """The detail behind a details offer the patient has just accepted, else None.

    "Just accepted": the offer is in the assistant's turn right before the latest message.
    """
    users = [i for i, e in enumerate(events) if e.get("event") == "user"]
    if len(users) < 2:
        return None
    latest, previous = users[-1], users[-2]
    offered = any(
        e.get("event") == "bot" and (e.get("metadata") or {}).get("utter_action") == DETAILS_OFFER
        for e in events[previous:latest]
    )
    if not offered:
        return None
    return find_detail(str(events[previous].get("text") or ""), classifier_confidence=0.0)


def prefilled(detail: Optional[Detail], slot: str, region: str) -> Dict[str, Any]:
    """The slot values ``detail`` gives for ``slot`` (checked like a typed answer), or {}."""
    if detail is None:
        return {}
    try:
        if slot == NAME and detail.kind == NAME_KIND:
            return {NAME: check_name(detail.value)}
        if slot == CONTACT and detail.kind in (PHONE_KIND, EMAIL_KIND):
            phone, email = check_contact(detail.value, region)
            return {CONTACT: " ".join(v for v in (phone, email) if v), PHONE: phone, EMAIL: email}
        if slot == PHONE and detail.kind == PHONE_KIND:
            return {PHONE: check_phone(detail.value, region)}
    except InvalidInput:
        return {}  # not usable after all: the form asks for it as usual
    return {}
