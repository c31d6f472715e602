"""Which country a phone number typed without a country code is probably from.

"0412 345 678" is not a number in a US clinic's country, and it is a valid local number in
26 others, so the booking form asks for the country code. Two things the channel already
knows usually settle it, and then the patient is not asked:

- on SMS and WhatsApp, the country of the number the patient is texting from;
- on the website, the time zone of the patient's browser: the widget sends it with every
  message (``metadata.timezone``, an IANA name such as ``Australia/Sydney``), and each
  time zone belongs to one country.

These are hints only: the clinic's own region (``phone_region``) is always tried first, a
hint counts only when the number is valid there, and the summary shows the number with
its country code before anything is sent. A REST client or a widget can send any time
zone; that only decides how the patient's own number is read. Pure (no Rasa, no web
framework), so the action server can use it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

import phonenumbers
import pytz

from bot.channels.known_phone import sender_phone

TIMEZONE_KEY = "timezone"  # in a message's metadata (bot/web/static/js/connection.js)
_TIMEZONE_MAX_LEN = 64  # the longest IANA name is 32 characters


@lru_cache(maxsize=1)
def _country_of_zone() -> Dict[str, str]:
    """IANA time zone name -> ISO 3166 country code (the tz database's zone.tab)."""
    return {
        zone: country.upper() for country, zones in pytz.country_timezones.items() for zone in zones
    }


def timezone_region(metadata: Optional[Mapping[str, Any]]) -> Optional[str]:
    """The country of the browser's time zone in ``metadata``, or None (absent, UTC, unknown)."""
    if not isinstance(metadata, Mapping):
        return None
    zone = metadata.get(TIMEZONE_KEY)
    if not isinstance(zone, str) or len(zone) > _TIMEZONE_MAX_LEN:
        return None
    region = _country_of_zone().get(zone.strip())
    return region if region in phonenumbers.SUPPORTED_REGIONS else None


def sender_region(
    sender_id: Optional[str], input_channel: Optional[str], home_region: str
) -> Optional[str]:
    """The country of the number the patient is texting from (SMS, WhatsApp), or None."""
    number = sender_phone(sender_id, input_channel, home_region)
    if number is None:
        return None
    return phonenumbers.region_code_for_number(phonenumbers.parse(number, None)) or None


def region_hints(
    sender_id: Optional[str],
    input_channel: Optional[str],
    metadata: Optional[Mapping[str, Any]],
    home_region: str,
    named: Sequence[str] = (),
    named_before: Sequence[str] = (),
) -> Tuple[str, ...]:
    """Countries to read a local number in when it is not one of ``home_region``'s, best first.

    ``named``: countries the patient named with the number ("0412 345 678, Australia"), which
    come first; then the sender's own number, which beats the browser's time zone (it is
    the patient's real phone); last ``named_before``, countries named earlier in the chat.
    """
    found = (
        *named,
        sender_region(sender_id, input_channel, home_region),
        timezone_region(metadata),
        *named_before,
    )
    home = (home_region or "").strip().upper()
    hints: Tuple[str, ...] = ()
    for region in found:
        if region and region != home and region not in hints:
            hints += (region,)
    return hints
