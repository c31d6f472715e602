"""The clinic's own booking page, with the patient's details filled in.

Nothing is sent anywhere: the chat shows the patient this link. The outbox row is
stored as already delivered so the request's record shows the link was given.
"""

from __future__ import annotations

from typing import List, Optional, Tuple
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from bot.bookings.adapters.base import Payload
from bot.bookings.config import LinkConfig


def _field_value(snapshot: Payload, field: str) -> Optional[str]:
    value = snapshot.get(field)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def prefilled_url(config: LinkConfig, snapshot: Payload) -> str:
    """``config.base_url`` plus one query parameter per mapped, non-empty field.

    Parameters already in the base URL are kept unless a mapped one replaces them.
    """
    parts = urlsplit(config.base_url)
    added: List[Tuple[str, str]] = []
    for field, param in config.params.items():
        value = _field_value(snapshot, field)
        if value is not None:
            added.append((param, value))
    replaced = {name for name, _ in added}
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in replaced]
    query = urlencode(kept + added, quote_via=quote)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


class LinkAdapter:
    name = "link"
    immediate = True
    max_send_seconds = 0.0

    def __init__(self, config: LinkConfig) -> None:
        self.config = config

    def prepare(self, snapshot: Payload) -> Payload:
        return {"url": prefilled_url(self.config, snapshot)}

    def deliver(self, payload: Payload, idempotency_key: str) -> None:
        """Nothing to send: the patient got the link in the chat."""
