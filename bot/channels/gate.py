"""The checks every incoming chat message passes before Rasa sees it.

Why one gate for all channels: limits must hold whichever way a message arrives, and a
message refused here is answered politely without being stored, so a flood or an
oversized paste never reaches the model, the tracker store or the booking database.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Callable, Deque, Optional

from bot.settings import ClinicSettings, Limits

WINDOW_SECONDS = 60.0
MAX_TRACKED_KEYS = 50_000  # oldest idle keys are forgotten first: memory stays bounded
MAX_SENDER_CHARS = 255  # Rasa's tracker store column for sender ids

RATE_LIMITED = (
    "You're sending messages faster than I can answer. Please wait a minute and try again. "
    "If it's urgent, call the clinic at {clinic_phone}."
)
SERVER_TROUBLE = (
    "Sorry, something went wrong on my side. Please try again in a minute, "
    "or call the clinic at {clinic_phone}."
)
TOO_LONG = (
    "That message is too long for me ({length} characters). Please send it in shorter parts "
    "of up to {limit} characters, or call the clinic at {clinic_phone}."
)


def readable_text(text: str) -> str:
    """``text`` with lone surrogates replaced by U+FFFD.

    JSON can carry them (``"\\ud800"``), but they are not characters: spaCy, the tracker
    store and the log cannot encode them, so such a message failed inside Rasa (a 503 with
    a stack trace in the log). The rest of the message is kept and answered.
    """
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def sender_problem(sender: object) -> Optional[str]:
    """Why ``sender`` cannot name a conversation, or None when it can."""
    if not isinstance(sender, str) or not sender.strip():
        return "must be a non-empty string"
    if len(sender) > MAX_SENDER_CHARS:
        return f"must be at most {MAX_SENDER_CHARS} characters"
    if "\x00" in sender or readable_text(sender) != sender:
        return "must be valid Unicode text without NUL characters"
    return None


class SlidingWindow:
    """At most ``limit`` events per key in any ``window`` seconds (thread-safe)."""

    def __init__(
        self,
        limit: int,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_TRACKED_KEYS,
    ) -> None:
        self.limit, self.window, self.clock, self.max_keys = limit, window, clock, max_keys
        self._events: "OrderedDict[str, Deque[float]]" = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Count one event for ``key``; False (and not counted) when over the limit."""
        now = self.clock()
        with self._lock:
            events = self._events.pop(key, None) or deque()
            while events and events[0] <= now - self.window:
                events.popleft()
            allowed = len(events) < self.limit
            if allowed:
                events.append(now)
            if events:
                self._events[key] = events  # most recently used last
            while len(self._events) > self.max_keys:
                self._events.popitem(last=False)
            return allowed


@dataclass(frozen=True)
class Refusal:
    """Why a message was not passed on, and the polite answer for the patient."""

    reason: str  # "rate" | "size"
    text: str


class MessageGate:
    """Size and rate checks for one channel, with the clinic's limits and phone."""

    def __init__(
        self, settings: ClinicSettings, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits: Limits = settings.limits
        self.phone = settings.phone
        self.per_sender = SlidingWindow(self.limits.messages_per_minute, clock=clock)
        self.per_address = SlidingWindow(self.limits.messages_per_minute, clock=clock)

    def check(self, sender: str, address: Optional[str], text: str) -> Optional[Refusal]:
        """None when the message may go on to Rasa; else the refusal to answer with."""
        if len(text) > self.limits.message_max_chars:
            return Refusal(
                "size",
                TOO_LONG.format(
                    length=len(text),
                    limit=self.limits.message_max_chars,
                    clinic_phone=self.phone,
                ),
            )
        sender_ok = self.per_sender.allow(f"sender:{sender}")
        address_ok = self.per_address.allow(f"address:{address}") if address else True
        if sender_ok and address_ok:
            return None
        return Refusal("rate", RATE_LIMITED.format(clinic_phone=self.phone))
