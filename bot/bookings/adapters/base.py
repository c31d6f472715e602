"""What every hand-off channel provides, and how it reports a failed send.

Failure reasons are short fixed texts (status codes, error kinds): they are stored
in ``last_error`` and logged, so they must never contain patient details.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

try:
    from typing import Protocol
except ImportError:  # pragma: no cover - Python 3.7
    from typing_extensions import Protocol  # type: ignore

Payload = Dict[str, Any]


class DeliveryError(Exception):
    """A send failed. ``reason`` is safe to store and log (no personal details)."""

    permanent = False

    def __init__(self, reason: str, retry_after: Optional[float] = None) -> None:
        super().__init__(reason)
        self.reason = reason[:300]
        self.retry_after = retry_after


class RetryableError(DeliveryError):
    """Worth trying again later (receiver down, timeout, rate limit, 5xx)."""


class PermanentError(DeliveryError):
    """Trying again will not help (rejected request, wrong address)."""

    permanent = True


class Adapter(Protocol):
    """A hand-off channel. ``immediate`` channels have nothing to send later."""

    name: str
    immediate: bool
    max_send_seconds: float  # upper bound of one deliver() call (its time-outs)

    def prepare(self, snapshot: Payload) -> Payload:
        """The outbox payload for a new request (stored with the request)."""

    def deliver(self, payload: Payload, idempotency_key: str) -> None:
        """Send once; raise :class:`RetryableError` or :class:`PermanentError` on failure."""
