"""Rasa's REST channel with strict input checks and the shared limits.

Rasa's own ``RestInput`` answers 500 to an empty body, ``null``, ``[]`` or a bare string
(it calls ``.get`` on whatever JSON arrived) and accepts any message size. This one
answers every malformed request with a clear 4xx, refuses oversized messages, applies the
rate limits from clinic.yml, and only then hands the message to Rasa. Same URL:
``POST /webhooks/rest/webhook`` with ``{"sender": "...", "message": "..."}``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, Optional, Text, Union

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import rasa_speedups
from bot.channels.gate import SERVER_TROUBLE, MessageGate, readable_text, sender_problem
from bot.safety import urgent_first
from bot.settings import get_settings
from bot.untrusted_json import NotJSON, untrusted_json

logger = logging.getLogger(__name__)
# This module is loaded by every Rasa server we start (credentials.yml).
rasa_speedups.install()
urgent_first.install()  # every channel's turn: urgent guidance before the session notice

# Bytes of JSON allowed per request: a message at the character limit, 4 bytes a character
# in the worst case, escaped, plus the sender id and metadata.
MAX_BODY_BYTES = 64 * 1024


@dataclass(frozen=True)
class RestMessage:
    sender: str
    text: str
    metadata: Optional[Dict[str, Any]]


@dataclass(frozen=True)
class BadRequest:
    status: int
    error: str


def parse_body(body: bytes, max_bytes: int = MAX_BODY_BYTES) -> Union[RestMessage, BadRequest]:
    """The message in a REST request body, or what is wrong with it (for a 4xx)."""
    if len(body) > max_bytes:
        return BadRequest(413, f"the request is larger than {max_bytes} bytes")
    if not body.strip():
        return BadRequest(400, 'send a JSON object: {"sender": "...", "message": "..."}')
    try:
        data = untrusted_json(body)
    except NotJSON:
        return BadRequest(400, "the body is not valid JSON")
    if not isinstance(data, dict):
        return BadRequest(
            400, 'the body must be a JSON object: {"sender": "...", "message": "..."}'
        )
    sender, text, metadata = data.get("sender"), data.get("message"), data.get("metadata")
    problem = sender_problem(sender)
    if problem is not None:
        return BadRequest(400, f'"sender" {problem}')
    if "\x00" in (text if isinstance(text, str) else ""):
        return BadRequest(400, "NUL characters are not allowed")
    if not isinstance(text, str):
        return BadRequest(400, '"message" must be a string')
    if metadata is not None and not isinstance(metadata, dict):
        return BadRequest(400, '"metadata" must be a JSON object')
    return RestMessage(sender=str(sender), text=readable_text(text), metadata=metadata)


def client_address(request: Request) -> Optional[str]:
    """The client's address; behind a proxy set SANIC_PROXIES_COUNT (README "Deploy")."""
    return getattr(request, "remote_addr", "") or request.ip or None


def _messages(recipient: str, text: str) -> list:
    return [{"recipient_id": recipient, "text": text}]


class GuardedRestInput(RestInput):
    """``rest`` channel: same URL and answers as Rasa's, with checks and limits."""

    def __init__(self, gate: Optional[MessageGate] = None) -> None:
        self.gate = gate or MessageGate(get_settings())

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "GuardedRestInput":
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("guarded_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            parsed = parse_body(request.body or b"")
            if isinstance(parsed, BadRequest):
                return response.json({"error": parsed.error}, status=parsed.status)
            refusal = self.gate.check(parsed.sender, client_address(request), parsed.text)
            if refusal is not None:
                logger.info("rest message refused (%s)", refusal.reason)
                status = 429 if refusal.reason == "rate" else 413
                headers = {"Retry-After": "60"} if refusal.reason == "rate" else None
                return response.json(
                    _messages(parsed.sender, refusal.text), status=status, headers=headers
                )
            collector = CollectingOutputChannel()
            message = UserMessage(
                parsed.text,
                collector,
                parsed.sender,
                input_channel=self.name(),
                metadata=parsed.metadata,
            )
            try:
                await on_new_message(message)
            except Exception:  # noqa: BLE001 - the client gets a way forward, the log the details
                logger.exception("the REST message could not be handled")
                text = SERVER_TROUBLE.format(clinic_phone=self.gate.phone)
                return response.json(_messages(parsed.sender, text), status=503)
            return response.json(collector.messages)

        return webhook
