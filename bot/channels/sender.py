"""Calls to a provider's send API, retried with backoff, logged without personal data.

A reply that cannot be sent is logged with the channel, the HTTP status and the
number of attempts only: never the patient's text, number or chat id, and never the
URL (Telegram's has the bot token in it).
"""

from __future__ import annotations

import asyncio
import json as json_module
import logging
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Sequence

import aiohttp

logger = logging.getLogger(__name__)

RETRY_DELAYS_S: Sequence[float] = (0.5, 1.0, 2.0, 4.0)  # 5 attempts over about 7.5 s
REQUEST_TIMEOUT_S = 10.0
RETRYABLE = {408, 409, 425, 429, 500, 502, 503, 504}


@dataclass
class SendResult:
    ok: bool
    status: Optional[int]
    attempts: int
    body: Any = None


class ProviderClient:
    """One HTTP session per channel, made on first use inside the server's event loop."""

    def __init__(self, channel: str, retry_delays: Sequence[float] = RETRY_DELAYS_S) -> None:
        self.channel = channel
        self.retry_delays = tuple(retry_delays)
        self._session: Optional[aiohttp.ClientSession] = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
            )
        return self._session

    async def post(
        self,
        url: str,
        *,
        json: Optional[Mapping[str, Any]] = None,
        data: Optional[Mapping[str, str]] = None,
        headers: Optional[Dict[str, str]] = None,
        auth: Optional[aiohttp.BasicAuth] = None,
        what: str = "message",
    ) -> SendResult:
        """POST with retries on network errors, 429 and 5xx; other 4xx are final."""
        status: Optional[int] = None
        attempts = 0
        for attempt, delay in enumerate((*self.retry_delays, None), start=1):
            attempts = attempt
            try:
                async with self._client().post(
                    url, json=json, data=data, headers=headers, auth=auth
                ) as response:
                    status = response.status
                    raw = await response.read()
                    if 200 <= status < 300:
                        return SendResult(True, status, attempt, _json_or_none(raw))
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
                status = None
            if status is not None and status not in RETRYABLE:
                break
            if delay is not None:
                await asyncio.sleep(delay)
        logger.warning(
            "%s: sending a %s failed after %d attempt(s) (%s)",
            self.channel,
            what,
            attempts,
            f"HTTP {status}" if status is not None else "no response",
        )
        return SendResult(False, status, attempts)

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


def _json_or_none(raw: bytes) -> Any:
    try:
        return json_module.loads(raw) if raw else None
    except ValueError:
        return None
