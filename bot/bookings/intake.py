"""One booking or call-back request as the chat collected it, checked as a whole.

The form validates each answer as it goes; :func:`prepare_request` applies the
same rules again right before storing (the storage trusts nobody), plus the rules
that involve several answers: consent, and at least one way to reach the patient.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Optional, Union

from bot.bookings.constants import CALLBACK_KIND, KINDS
from bot.bookings.validation import (
    InvalidInput,
    clean_free_text,
    clean_name,
    clean_patient_type,
    normalise_phone,
    validate_email,
)

PAIN_AREA_MAX_LEN = 500
PREFERRED_TIMES_MAX_LEN = 300
CONVERSATION_ID_MAX_LEN = 255
CHANNEL_MAX_LEN = 40
_CHANNEL_UNSAFE = re.compile(r"[^a-z0-9_.-]+")
# A consent time this far in the future means a clock or code error, not consent.
_CONSENT_CLOCK_SKEW = timedelta(minutes=5)


class MissingConsent(InvalidInput):
    field = "consent"


class MissingContact(InvalidInput):
    field = "contact"


@dataclass(frozen=True)
class RequestDetails:
    """What the chat collected. ``kind`` is ``booking`` or ``callback``."""

    kind: str
    name: str
    phone: Optional[str] = None
    email: Optional[str] = None
    pain_area: Optional[str] = None
    patient_type: Optional[str] = None
    preferred_times: Optional[str] = None
    consent_at: Union[datetime, str, None] = None  # aware datetime or ISO 8601 text (a slot)
    channel: str = "unknown"
    conversation_id: Optional[str] = None


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _optional_text(value: object, max_len: int) -> Optional[str]:
    return None if _blank(value) else clean_free_text(value, max_len)


def clean_channel(value: object) -> str:
    """A short lower-case channel name; odd input is made safe, never refused."""
    text = unicodedata.normalize("NFKC", str(value or "")).strip().lower()[: CHANNEL_MAX_LEN * 4]
    return _CHANNEL_UNSAFE.sub("_", text).strip("_")[:CHANNEL_MAX_LEN] or "unknown"


def clean_conversation_id(value: object) -> Optional[str]:
    """Channel-specific sender ids can be anything: keep printable text, cut to length."""
    if _blank(value):
        return None
    text = "".join(c for c in str(value) if unicodedata.category(c)[0] != "C").strip()
    return text[:CONVERSATION_ID_MAX_LEN] or None


def _parse_time(value: object) -> object:
    """ISO 8601 text (as stored in a slot, ``Z`` allowed) to a datetime; others unchanged."""
    if isinstance(value, str) and value.strip():
        try:
            return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError("consent_at is not an ISO 8601 time") from None
    return value


def prepare_request(
    details: RequestDetails, phone_region: str, now: Optional[datetime] = None
) -> RequestDetails:
    """A cleaned copy of ``details``; raises :class:`InvalidInput` (with ``field``)."""
    if details.kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {details.kind!r}")
    consent_at = _parse_time(details.consent_at)
    if not isinstance(consent_at, datetime):
        raise MissingConsent(
            "We can only pass your details to the clinic if you agree to be contacted "
            "and to us storing them.",
            "consent_missing",
        )
    if consent_at.tzinfo is None or consent_at.utcoffset() is None:
        raise ValueError("consent_at must be timezone-aware")
    consent_at = consent_at.astimezone(timezone.utc)
    if consent_at > (now or datetime.now(timezone.utc)) + _CONSENT_CLOCK_SKEW:
        raise ValueError("consent_at is in the future")

    phone = None if _blank(details.phone) else normalise_phone(details.phone, phone_region)
    email = None if _blank(details.email) else validate_email(details.email)
    if details.kind == CALLBACK_KIND and not phone:
        raise MissingContact(
            "Please give a phone number the clinic can call you on.", "phone_required"
        )
    if not phone and not email:
        raise MissingContact(
            "Please give a phone number or an email address so the clinic can reach you.",
            "contact_missing",
        )
    return replace(
        details,
        name=clean_name(details.name),
        phone=phone,
        email=email,
        pain_area=_optional_text(details.pain_area, PAIN_AREA_MAX_LEN),
        patient_type=clean_patient_type(details.patient_type),
        preferred_times=_optional_text(details.preferred_times, PREFERRED_TIMES_MAX_LEN),
        consent_at=consent_at,
        channel=clean_channel(details.channel),
        conversation_id=clean_conversation_id(details.conversation_id),
    )
