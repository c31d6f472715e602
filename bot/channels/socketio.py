"""Rasa's socket.io channel (the website widget) with the same checks as REST.

Rasa's handler trusts the event data (a list or a bare string raises inside the server)
and has no size or rate limit. Ours replaces the ``user_uttered`` handler: malformed
events are dropped with a log line, refused messages get the polite answer on the same
socket, and only checked messages reach Rasa. A ``rate_answer`` event records a thumbs up
or down under an answer (bot/channels/ratings.py). Everything else is Rasa's channel.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from bot.channels.gate import MessageGate, readable_text, sender_problem
from bot.channels.ratings import rating_problem, record_rating
from bot.channels.rest import MAX_BODY_BYTES, client_address
from bot.settings import get_settings
from bot.untrusted_json import NotJSON, untrusted_json

logger = logging.getLogger(__name__)

RATING_EVENT = "rate_answer"  # {session_id, answer: the rated answer's text, value: up|down}


def _metadata(value: Any) -> Optional[Dict[str, Any]]:
    if isinstance(value, str):
        try:
            value = untrusted_json(value)
        except NotJSON:
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

    def _agent(self, sid: Text) -> Any:
        """The Rasa agent serving this socket's server (for a rating)."""
        try:
            environ = self.sio.get_environ(sid, namespace=self.namespace) or {}
            return environ["sanic.request"].app.ctx.agent
        except (KeyError, AttributeError):
            return None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        socketio_webhook = super().blueprint(on_new_message)
        sio = self.sio
        sio.eio.max_http_buffer_size = MAX_BODY_BYTES  # bigger packets close the connection

        # ``data=None, *ignored``: a client can emit an event with no argument or several;
        # python-socketio then raised TypeError and logged a stack trace (fuzz benchmark).
        async def handle_message(sid: Text, data: Any = None, *ignored: Any) -> None:
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

        async def handle_rating(sid: Text, data: Any = None, *ignored: Any) -> None:
            """A thumbs up or down from the widget (bot/channels/ratings.py)."""
            if not isinstance(data, dict):
                logger.info("socket.io rating dropped: not an object")
                return
            sender = data.get("session_id") if self.session_persistence else sid
            value, answer = data.get("value"), data.get("answer")
            problem = rating_problem(value, answer) or sender_problem(sender)
            if problem is not None:
                logger.info("socket.io rating dropped: %s", problem)
                return
            if self.gate.check(str(sender), self._address(sid), "rating") is not None:
                logger.info("socket.io rating dropped: over the sender's limits")
                return
            agent = self._agent(sid)
            stored = agent is not None and await record_rating(
                agent, str(sender), str(answer), str(value)
            )
            if not stored:
                logger.info("socket.io rating dropped: no such answer in the conversation")

        sio.on(RATING_EVENT, namespace=self.namespace)(handle_rating)
        self._guard_rasa_handlers(sio)
        self._guard_packets(sio)
        return socketio_webhook

    @staticmethod
    def _guard_packets(sio: Any) -> None:
        """A packet whose JSON python-socketio cannot decode (a number with thousands of
        digits, found by fuzzing) raised ValueError in the library and left a stack trace
        in the server's log. Such a packet is now dropped with one log line. Events are
        handled in background tasks, so only decoding (and connecting) runs in here."""
        decode_and_dispatch = sio.eio.handlers["message"]

        async def guarded_message(eio_sid: Text, data: Any) -> Any:
            try:
                return await decode_and_dispatch(eio_sid, data)
            except ValueError as error:  # json.JSONDecodeError is a ValueError too
                logger.info("socket.io packet dropped: %s", type(error).__name__)
                return None

        sio.eio.on("message", guarded_message)

    def _guard_rasa_handlers(self, sio: Any) -> None:
        """Rasa's other handlers trust the client too (found by fuzzing): a client that
        emits an event named "connect" or "disconnect", or a ``session_request`` whose data
        is not an object with a text ``session_id``, raised TypeError in the server and
        left a stack trace in its log. Such events are now dropped with a log line."""
        handlers = sio.handlers.get(self.namespace or "/", {})
        connect, disconnect = handlers.get("connect"), handlers.get("disconnect")
        session_request = handlers.get("session_request")

        async def guarded_connect(
            sid: Text, environ: Any = None, auth: Any = None, *ignored: Any
        ) -> bool:
            if not isinstance(environ, dict):  # an event named "connect", not a connection
                logger.info("socket.io event dropped: a client-sent 'connect'")
                return False
            return bool(await connect(sid, environ, auth)) if connect else True

        async def guarded_disconnect(sid: Text, *ignored: Any) -> None:
            if disconnect:
                await disconnect(sid)

        async def guarded_session_request(sid: Text, data: Any = None, *ignored: Any) -> None:
            session_id = data.get("session_id") if isinstance(data, dict) else None
            if data is not None and not isinstance(data, dict):
                logger.info("socket.io session_request dropped: not an object")
                return
            if session_id is not None and sender_problem(session_id) is not None:
                logger.info("socket.io session_request dropped: unusable session id")
                return
            if session_request:
                await session_request(sid, dict(data) if data else None)

        for event, handler in (
            ("connect", guarded_connect),
            ("disconnect", guarded_disconnect),
            ("session_request", guarded_session_request),
        ):
            sio.on(event, namespace=self.namespace)(handler)
