"""Find phone numbers and email addresses inside what a patient typed.

The booking form reads them out of an answer ("call 201 555 0123 or mail me"), and the
NLU component in contact_classifier.py spots a message that is nothing but contact
details, so the assistant can reply to it instead of guessing an FAQ topic. Pure
functions; phone and email rules are the storage's own (validation.py).
"""

from __future__ import annotations

import re
from typing import List, Optional

from bot.bookings.validation import InvalidInput, normalise_phone, validate_email

EMAIL_TOKEN = re.compile(r"[^\s,;:<>()\[\]]+@[^\s,;:<>()\[\]]+")
PHONE_RUN = re.compile(r"\+?\(?\d[\d\s().\-/]{4,}\d")
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
# Words that may surround contact details without adding anything else:
# "my number is ...", "you can email me at ...", "or text 555 ...".
_FILLER = frozenset(
    "a also an and are at best by call can case cell cellphone contact details e email "
    "forgot hello hi home in instead is it it's its just mail me mobile my new number "
    "numbers oh ok okay on or other phone please reach sorry tel telephone text thank "
    "thanks that the this to try use via way whatsapp work you".split()
)


def emails_in(text: str) -> List[str]:
    """Everything in ``text`` that looks like an email address (not yet validated)."""
    return EMAIL_TOKEN.findall(text or "")


def phone_part(text: str) -> str:
    """The first run of digits that could be a phone number, else the whole text."""
    match = PHONE_RUN.search(text or "")
    return match.group() if match else text


def _valid_email(candidate: str) -> bool:
    try:
        validate_email(candidate.strip("."))
    except InvalidInput:
        return False
    return True


def _valid_phone(candidate: str, region: str) -> bool:
    try:
        normalise_phone(candidate, region)
    except InvalidInput:
        return False
    return True


def only_contact_details(text: str, region: str, max_len: int = 300) -> bool:
    """True when ``text`` is just phone numbers and/or email addresses (valid ones),
    with at most a few filler words around them ("my number is ...").

    A message that says anything else ("... and my arm is swollen") is not, so it goes
    through NLU as usual; so are short numbers such as 911.
    """
    if not isinstance(text, str) or not text.strip() or len(text) > max_len:
        return False
    rest = text
    found: Optional[bool] = None
    for email in emails_in(text):
        if not _valid_email(email):
            return False
        found = True
        rest = rest.replace(email, " ")
    for run in PHONE_RUN.findall(rest):
        if not _valid_phone(run, region):
            return False
        found = True
        rest = rest.replace(run, " ")
    return bool(found) and all(word in _FILLER for word in _WORD.findall(rest.lower()))
