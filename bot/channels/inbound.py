"""What a user's typed message becomes before Rasa sees it.

Rasa reads a message that starts with "/" as an intent with slots
(``/book{"name": ...}``), so anyone who can text the clinic could trigger any
intent. Channels therefore never forward typed text as it is: a button press is
mapped back to the payload we sent (see bot/channels/store.py), and typed text
goes through :func:`as_typed_text`, the one place to swap for the shared reply
mapping when it lands.
"""

from __future__ import annotations

import re
from typing import Optional

from bot.channels.store import Offer

_LEADING_SLASHES = re.compile(r"^[\s/\\]+")
_NUMBER_REPLY = re.compile(r"^\s*#?\s*(\d{1,2})\s*[.)!]?\s*$")


def as_typed_text(text: str) -> str:
    """Typed text that Rasa reads as words, never as an intent: leading slashes removed."""
    return _LEADING_SLASHES.sub("", text or "").strip()


def numbered_choice(text: str, offer: Optional[Offer]) -> Optional[str]:
    """The payload a reply like "1" or "2." picks from options we showed with numbers."""
    if offer is None or not offer.numbered:
        return None
    match = _NUMBER_REPLY.match(text or "")
    return offer.payload(int(match.group(1)) - 1) if match else None
