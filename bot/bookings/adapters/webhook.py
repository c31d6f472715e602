"""POST each request as JSON to the clinic's system, signed with HMAC-SHA256.

Headers: ``X-PIT-Signature: sha256=<hex HMAC of the raw body>`` (secret from the
environment variable named in ``booking.webhook.secret_env``) and
``Idempotency-Key`` (the same on every retry, so the receiver can ignore repeats).
The body is byte-for-byte the same on every retry.

Outcome: 2xx delivered; 408, 429, 5xx, timeouts and connection errors are retried;
any other status (4xx, 3xx) is a permanent failure.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Dict, Optional

import requests

from bot.bookings.adapters.base import Payload, PermanentError, RetryableError
from bot.bookings.config import WebhookConfig
from bot.secret_compare import secret_matches

SIGNATURE_HEADER = "X-PIT-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
RETRYABLE_STATUSES = frozenset({408, 429})


def canonical_body(payload: Payload) -> bytes:
    """Stable JSON bytes (sorted keys, no spaces, UTF-8)."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode(
        "utf-8"
    )


def signature(secret: str, body: bytes) -> str:
    """The ``X-PIT-Signature`` value for ``body``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: Optional[str]) -> bool:
    """For receivers (and tests): constant-time check of a signature header."""
    return bool(header) and secret_matches(str(header), signature(secret, body))


def _retry_after(value: Optional[str]) -> Optional[float]:
    if value and value.strip().isdigit():
        return float(value.strip())
    return None


class WebhookAdapter:
    name = "webhook"
    immediate = False

    def __init__(self, config: WebhookConfig) -> None:
        self.config = config
        # requests applies the time-out to connecting and to each read.
        self.max_send_seconds = 2 * config.timeout_seconds + 1

    def prepare(self, snapshot: Payload) -> Payload:
        return {"event": f"{snapshot['kind']}_request.created", "version": 2, "request": snapshot}

    def headers(self, body: bytes, idempotency_key: str, secret: str) -> Dict[str, str]:
        return {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "pit-assistant-webhook/1",
            SIGNATURE_HEADER: signature(secret, body),
            IDEMPOTENCY_HEADER: idempotency_key,
        }

    def deliver(self, payload: Payload, idempotency_key: str) -> None:
        secret = self.config.secret()
        if not secret:
            raise RetryableError(f"environment variable {self.config.secret_env} is not set")
        body = canonical_body(payload)
        try:
            response = requests.post(
                self.config.url,
                data=body,
                headers=self.headers(body, idempotency_key, secret),
                timeout=self.config.timeout_seconds,
                allow_redirects=False,
            )
        except requests.Timeout:
            raise RetryableError(f"no answer within {self.config.timeout_seconds:g}s") from None
        except requests.ConnectionError:
            raise RetryableError("could not connect to the webhook receiver") from None
        except requests.RequestException as exc:
            raise RetryableError(f"request error: {type(exc).__name__}") from None
        status = response.status_code
        response.close()
        if 200 <= status < 300:
            return
        reason = f"HTTP {status} from the webhook receiver"
        if status >= 500 or status in RETRYABLE_STATUSES:
            raise RetryableError(
                reason, retry_after=_retry_after(response.headers.get("Retry-After"))
            )
        raise PermanentError(reason)
