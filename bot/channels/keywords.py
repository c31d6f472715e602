"""SMS keywords carriers expect every sender to honour: STOP, START and HELP.

Only a message that is the keyword alone counts ("stop" or "STOP!"), so "stop the
booking" still reaches the assistant. CANCEL is left out on purpose: in this
assistant it ends a booking form, and opting a patient out for that would surprise them.
"""

from __future__ import annotations

import re
from typing import Optional

STOP, START, HELP = "stop", "start", "help"
KEYWORDS = {
    STOP: {"stop", "stopall", "unsubscribe", "end", "quit", "optout", "opt out", "revoke"},
    START: {"start", "unstop", "subscribe", "optin", "opt in"},
    HELP: {"help", "info"},
}
_PUNCTUATION = re.compile(r"[^\w\s]+")


def keyword(text: str) -> Optional[str]:
    """STOP, START or HELP when the whole message is one of their words, else None."""
    words = " ".join(_PUNCTUATION.sub(" ", (text or "").lower()).split())
    return next((name for name, variants in KEYWORDS.items() if words in variants), None)
