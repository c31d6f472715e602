"""A patient's phone number or email, and how to recognise it where patients typed it.

Staff type a contact the way the patient says it; it is normalised the way the booking
form stores it (E.164 phone numbers with the clinic's ``phone_region``, emails with the
domain lower-cased), so "(202) 555-0123" finds "+1 202 555 0123" typed in a chat.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import List, Literal, Optional, Tuple

import phonenumbers

from bot.bookings.validation import InvalidInput, normalise_phone, validate_email

# Channels whose user id is the phone number itself (bot/channels): twilio uses the number
# as sent ("+1555...", "whatsapp:+1555..."), the WhatsApp Cloud API its digits only.
_PHONE_CHANNELS = ("twilio", "whatsapp")
_EMAIL_RE = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+")
_NON_DIGITS = re.compile(r"\D")


class InvalidContact(ValueError):
    """What staff typed is neither a valid phone number nor a valid email address."""


@dataclass(frozen=True)
class Contact:
    """A normalised phone number (E.164) or email address."""

    kind: Literal["phone", "email"]
    value: str
    region: str = "US"

    @property
    def phone(self) -> Optional[str]:
        return self.value if self.kind == "phone" else None

    @property
    def email(self) -> Optional[str]:
        return self.value if self.kind == "email" else None

    @cached_property
    def _digits(self) -> str:
        return _NON_DIGITS.sub("", self.value)

    @cached_property
    def _national(self) -> str:
        return str(phonenumbers.parse(self.value, None).national_number)

    def mentioned_in(self, text: str) -> bool:
        """Whether ``text`` contains this contact, however it was written."""
        if not text:
            return False
        if self.kind == "email":
            lowered = text.lower()
            if self.value.lower() not in lowered:
                return False  # cheap test first; the regex below rules out "jim" in "jimbo"
            return any(
                found.strip(".").lower() == self.value.lower() for found in _EMAIL_RE.findall(text)
            )
        if self._national[-4:] not in _NON_DIGITS.sub("", text):
            return False  # most messages hold no phone number at all
        matcher = phonenumbers.PhoneNumberMatcher(
            text, self.region, leniency=phonenumbers.Leniency.POSSIBLE
        )
        return any(
            phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
            == self.value
            for match in matcher
        )

    def is_sender(self, sender_id: str) -> bool:
        """Whether a conversation id is this phone's SMS or WhatsApp conversation."""
        if self.kind != "phone":
            return False
        channel, _, user_id = sender_id.partition(":")
        return channel in _PHONE_CHANNELS and _NON_DIGITS.sub("", user_id) == self._digits

    def channel_users(self) -> List[Tuple[str, str]]:
        """(channel, provider user id) pairs this phone number has on the messaging channels."""
        if self.kind != "phone":
            return []
        return [
            ("twilio", self.value),
            ("twilio", f"whatsapp:{self.value}"),
            ("whatsapp", self._digits),
        ]


def parse_contact(text: str, region: str) -> Contact:
    """A phone number or email as staff typed it; :class:`InvalidContact` if it is neither."""
    text = (text or "").strip()
    try:
        if "@" in text:
            return Contact("email", validate_email(text), region)
        return Contact("phone", normalise_phone(text, region), region)
    except InvalidInput:
        kind = "email address" if "@" in text else "phone number"
        raise InvalidContact(
            f"that is not a valid {kind}: give a phone number (local numbers use "
            f"phone_region {region} from clinic.yml, or start with +country code) "
            "or an email address"
        ) from None
