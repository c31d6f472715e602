"""One constant-time comparison of a value from outside with the secret it must be.

Used for webhook signatures and tokens (Meta, Twilio, Telegram), the action server's bearer
secret and the booking webhook's signature. Sanic decodes header bytes with surrogateescape,
so a non-UTF-8 byte arrives as a lone surrogate ("\\x80" as "\\udc80", found by fuzzing);
"surrogatepass" encodes any lone surrogate without raising, and such a value never matches a
UTF-8 secret. Comparing bytes, not str, also never raises on non-ASCII text.
"""

from __future__ import annotations

import hmac
import os
from typing import Optional


def secret_matches(given: str, expected: str) -> bool:
    """Whether ``given`` is ``expected``, in time that does not depend on where they differ."""
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8"))


# The shortest per-run secret the studio's channels into the Rasa server accept.
MIN_STUDIO_TOKEN_LENGTH = 32


def bearer_matches_env(header: Optional[str], token_env: str) -> bool:
    """Whether an Authorization header is ``Bearer $token_env`` (a secret long enough to
    count; none set means every call is refused)."""
    token = os.environ.get(token_env, "")
    return len(token) >= MIN_STUDIO_TOKEN_LENGTH and secret_matches(header or "", f"Bearer {token}")
