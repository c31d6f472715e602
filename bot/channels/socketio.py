"""Rasa's socket.io channel (the website widget) with the same checks as REST.

Rasa's handler trusts the event data (a list or a bare string raises inside the server)
and has no size or rate limit. Ours replaces the ``user_uttered`` handler: malformed
events are dropped with a log line, refused messages get the polite answer on the same
socket, and only checked messages reach Rasa. Everything else is Rasa's channel.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from bot.channels.gate import MessageGate, readable_text, sender_problem
from bot.channels.rest import MAX_BODY_BYTES, client_address
from bot.settings import get_settings

logger = logging.getLogger(__name__)


def _metadata(value: Any) -> Optional[Dict[str, Any]]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            return None
    return value if isinstance(value, dict) else None


class GuardedSocketIOInput(SocketIOInput):
    """``socketio`` channel with input checks and the shared limits."""

    gate: MessageGate

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "GuardedSocketIOInput":
        channel = super().from_credentials(credentials)
        channel.gate = MessageGate(get_settings())
        return channel

    def _address(self, sid: Text) -> Optional[str]:
        try:
            environ = self.sio.get_environ(sid, namespace=self.namespace) or {}
        except (KeyError, AttributeError):
            return None
        request = environ.get("sanic.request")
        return client_address(request) if request is not None else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        socketio_webhook = super().blueprint(on_new_message)
        sio = self.sio
        sio.eio.max_http_buffer_size = MAX_BODY_BYTES  # bigger packets close the connection

        async def handle_message(sid: Text, data: Any) -> None:
            if not isinstance(data, dict):
                logger.info("socket.io message dropped: not an object")
                return
            text = data.get("message", "")
            sender = data.get("session_id") if self.session_persistence else sid
            if not isinstance(text, str) or sender_problem(sender) is not None:
                logger.info("socket.io message dropped: no text, or no usable session id")
                return
            if "\x00" in text:
                logger.info("socket.io message dropped: NUL in the text")
                return
            text, sender = readable_text(text), str(sender)
            output = SocketIOOutput(sio, self.bot_message_evt)
            refusal = self.gate.check(sender, self._address(sid), text)
            if refusal is not None:
                logger.info("socket.io message refused (%s)", refusal.reason)
                await sio.emit(self.bot_message_evt, {"text": refusal.text}, room=sid)
                return
            await on_new_message(
                UserMessage(
                    text,
                    output,
                    sender,
                    input_channel=self.name(),
                    metadata=_metadata(data.get(self.metadata_key)),
                )
            )

        sio.on(self.user_message_evt, namespace=self.namespace)(handle_message)
        return socketio_webhook
