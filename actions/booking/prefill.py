"""Start a form with the details the patient typed before it was asked.

A name, phone number or email typed when no form was asking gets the details offer
(utter_details_offer). Nothing is stored then. When a form starts later in the same
session (the patient accepted that offer, or booked another way), the details are read
back, checked by the same rules as typed answers, and filled in, so the patient is not
asked again; the summary before sending shows them all. The details come from:
- every message of the session that got the details offer ("Grace Liu", then
  "grace.liu@gmail.com", then "yes"): the newest of each kind wins;
- the message that starts the form, when typing a detail was read as the offer's one
  "send my details" button (bot/conversation/typed_replies.py, details_reply);
- every message of the session that got the booking offer and holds an email address or a
  phone number ("I'm Sam Lee, sam@example.org, I'd like to book"): those and a name beside
  them, whatever else the request says.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Mapping, Sequence

from actions.booking.answers import check_contact, check_name, check_phone
from actions.booking.slots import CONTACT, NAME, PHONE
from bot.bookings.validation import InvalidInput
from bot.conversation.personal_details import EMAIL as EMAIL_KIND
from bot.conversation.personal_details import NAME as NAME_KIND
from bot.conversation.personal_details import PHONE as PHONE_KIND
from bot.conversation.personal_details import Detail, details_in_request, find_details
from bot.conversation.typed_replies import DETAIL_PAYLOADS

DETAILS_OFFER = "utter_details_offer"
BOOKING_OFFER = "utter_book_consultation"


def _offered_after(
    events: Sequence[Mapping[str, Any]], start: int, end: int, offer: str = DETAILS_OFFER
) -> bool:
    return any(
        e.get("event") == "bot" and (e.get("metadata") or {}).get("utter_action") == offer
        for e in events[start:end]
    )


def _typed_as_details_option(event: Mapping[str, Any]) -> bool:
    """The message was typed (its own words kept) and read as a "send my details" button.

    Rasa re-parses the button payload the typed reply became, so the event keeps the
    patient's words as its text and the payload as its parse data's text."""
    parsed = str((event.get("parse_data") or {}).get("text") or "").strip()
    return parsed in DETAIL_PAYLOADS and str(event.get("text") or "").strip() != parsed


def offered_details(events: Sequence[Mapping[str, Any]]) -> Dict[str, Detail]:
    """The details (by kind) the form starting now may fill in, newest of each kind."""
    users = [i for i, e in enumerate(events) if e.get("event") == "user"]
    if not users:
        return {}
    found: Dict[str, Detail] = {}
    latest = users[-1]
    session_start = max(
        (i for i, e in enumerate(events) if e.get("event") == "session_started"), default=0
    )
    if _typed_as_details_option(events[latest]):
        _add(found, events[latest])
    # Every earlier message of this session that got the details offer, newest first.
    for previous, after in zip(reversed(users[:-1]), reversed(users[1:]), strict=True):
        if previous < session_start:
            break
        if _offered_after(events, previous, after):
            _add(found, events[previous])
        elif _offered_after(events, previous, after, BOOKING_OFFER):
            _add(found, events[previous], details_in_request)
    return found


def _details_message(text: str) -> List[Detail]:
    return find_details(text, classifier_confidence=0.0)


def _add(
    found: Dict[str, Detail],
    event: Mapping[str, Any],
    read: Callable[[str], List[Detail]] = _details_message,
) -> None:
    """The message's details, for kinds a newer message has not given already."""
    for detail in read(str(event.get("text") or "")):
        found.setdefault(detail.kind, detail)


def prefilled(
    details: Mapping[str, Detail], slot: str, region: str, hints: Sequence[str] = ()
) -> Dict[str, Any]:
    """The slot values ``details`` give for ``slot`` (checked like typed answers), or {}.

    ``region`` and ``hints`` read a phone number as the form would (normalise_phone)."""
    try:
        if slot == NAME and NAME_KIND in details:
            return {NAME: check_name(details[NAME_KIND].value)}
        contacts: List[str] = [details[k].value for k in (PHONE_KIND, EMAIL_KIND) if k in details]
        if slot == CONTACT and contacts:
            # Only the contact itself: the form's validation of it sets the phone and email
            # slots (an extracted slot the form does not ask for is dropped by Rasa's SDK).
            phone, email = check_contact(" ".join(contacts), region, hints)
            return {CONTACT: " ".join(v for v in (phone, email) if v)}
        if slot == PHONE and PHONE_KIND in details:
            return {PHONE: check_phone(details[PHONE_KIND].value, region, hints)}
    except InvalidInput:
        return {}  # not usable after all: the form asks for it as usual
    return {}
