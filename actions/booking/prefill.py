"""Start a form with the details the patient typed before it was asked.

A name, phone number or email typed when no form was asking gets the details offer
(utter_details_offer). Nothing is stored then. Only when the patient accepts the offer
(the very next message starts a form) are the details read back, checked by the same
rules as typed answers, and filled in. The details come from:
- every message in the run that got the details offer just before the acceptance ("Grace
  Liu", then "grace.liu@gmail.com", then "yes"): the newest of each kind wins;
- the accepting message itself, when typing a detail was read as the offer's one
  "send my details" button (bot/conversation/typed_replies.py, details_reply).
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Sequence

from actions.booking.answers import check_contact, check_name, check_phone
from actions.booking.slots import CONTACT, EMAIL, NAME, PHONE
from bot.bookings.validation import InvalidInput
from bot.conversation.personal_details import EMAIL as EMAIL_KIND
from bot.conversation.personal_details import NAME as NAME_KIND
from bot.conversation.personal_details import PHONE as PHONE_KIND
from bot.conversation.personal_details import Detail, find_detail
from bot.conversation.typed_replies import DETAIL_PAYLOADS

DETAILS_OFFER = "utter_details_offer"


def _offered_after(events: Sequence[Mapping[str, Any]], start: int, end: int) -> bool:
    return any(
        e.get("event") == "bot" and (e.get("metadata") or {}).get("utter_action") == DETAILS_OFFER
        for e in events[start:end]
    )


def _typed_as_details_option(event: Mapping[str, Any]) -> bool:
    """The message was typed (its own words kept) and read as a "send my details" button.

    Rasa re-parses the button payload the typed reply became, so the event keeps the
    patient's words as its text and the payload as its parse data's text."""
    parsed = str((event.get("parse_data") or {}).get("text") or "").strip()
    return parsed in DETAIL_PAYLOADS and str(event.get("text") or "").strip() != parsed


def offered_details(events: Sequence[Mapping[str, Any]]) -> Dict[str, Detail]:
    """The details (by kind) the form starting now may fill in, newest of each kind.

    Only when the latest message accepts an offer: it answers a details offer in the
    assistant's turn right before it, or it is itself a detail typed as the offer's
    "send my details" button."""
    users = [i for i, e in enumerate(events) if e.get("event") == "user"]
    if not users:
        return {}
    found: Dict[str, Detail] = {}
    latest = users[-1]
    if _typed_as_details_option(events[latest]):
        detail = find_detail(str(events[latest].get("text") or ""), classifier_confidence=0.0)
        if detail is not None:
            found[detail.kind] = detail
    # Walk back over the run of messages that each got the details offer.
    for previous, after in zip(reversed(users[:-1]), reversed(users[1:]), strict=True):
        if not _offered_after(events, previous, after):
            break
        detail = find_detail(str(events[previous].get("text") or ""), classifier_confidence=0.0)
        if detail is not None and detail.kind not in found:
            found[detail.kind] = detail
    return found


def prefilled(details: Mapping[str, Detail], slot: str, region: str) -> Dict[str, Any]:
    """The slot values ``details`` give for ``slot`` (checked like typed answers), or {}."""
    try:
        if slot == NAME and NAME_KIND in details:
            return {NAME: check_name(details[NAME_KIND].value)}
        contacts: List[str] = [details[k].value for k in (PHONE_KIND, EMAIL_KIND) if k in details]
        if slot == CONTACT and contacts:
            phone, email = check_contact(" ".join(contacts), region)
            return {CONTACT: " ".join(v for v in (phone, email) if v), PHONE: phone, EMAIL: email}
        if slot == PHONE and PHONE_KIND in details:
            return {PHONE: check_phone(details[PHONE_KIND].value, region)}
    except InvalidInput:
        return {}  # not usable after all: the form asks for it as usual
    return {}
