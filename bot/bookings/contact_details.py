"""Find phone numbers and email addresses inside what a patient typed.

The booking form reads them out of an answer ("call 201 555 0123 or mail me"), and
bot/conversation/personal_details.py uses the filler words to tell a message of contact
details from a question that contains one. Pure functions; phone and email rules are the
storage's own (validation.py).
"""

from __future__ import annotations

import re
from typing import List

EMAIL_TOKEN = re.compile(r"[^\s,;:<>()\[\]]+@[^\s,;:<>()\[\]]+")
PHONE_RUN = re.compile(r"\+?\(?\d[\d\s().\-/]{4,}\d")
# Words that may surround contact details without adding anything else:
# "my number is ...", "you can email me at ...", "or text 555 ...".
FILLER_WORDS = frozenset(
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
