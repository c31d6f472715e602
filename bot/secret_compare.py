"""One constant-time comparison of a value from outside with the secret it must be.

Used for webhook signatures and tokens (Meta, Twilio, Telegram), the action server's bearer
secret and the booking webhook's signature. Sanic decodes header bytes with surrogateescape,
so a non-UTF-8 byte arrives as a lone surrogate ("\\x80" as "\\udc80", found by fuzzing);
"surrogatepass" encodes any lone surrogate without raising, and such a value never matches a
UTF-8 secret. Comparing bytes, not str, also never raises on non-ASCII text.
"""

from __future__ import annotations

import hmac


def secret_matches(given: str, expected: str) -> bool:
    """Whether ``given`` is ``expected``, in time that does not depend on where they differ."""
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8"))
