"""The request flow every messaging channel shares, as a Rasa input channel base class.

A provider's POST is checked in this order, and answered at once:

1. body over 64 KB -> 400;
2. signature or secret token missing or wrong -> 403, and nothing else happens
   (no reply, no tracker event, no log line with the body);
3. not the provider's payload shape -> 400;
4. a delivery id seen before (the provider retrying) -> acknowledged, not answered again;
5. otherwise acknowledged, and the message is handled in the background: Rasa's
   answer is rendered for the medium and sent through the provider's API.

Providers subclass :class:`WebhookChannel` and supply the signature check, the
parser and the sending; opt-outs and the 24-hour window are switched on per channel.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Set, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.bookings.models import utcnow
from bot.channels import texts
from bot.channels.gate import readable_text, sender_problem
from bot.channels.inbound import as_typed_text, numbered_choice
from bot.channels.keywords import HELP, START, STOP, keyword
from bot.channels.registry import spec
from bot.channels.render import Button, Reply
from bot.channels.sender import ProviderClient
from bot.channels.store import ChannelStore, Offer
from bot.untrusted_json import NotJSON, untrusted_json

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
TEXT = "text"
BUTTON = "button"
UNSUPPORTED = "unsupported"  # images, audio, stickers, locations, empty messages


class BadPayloadError(ValueError):
    """The body is not the provider's shape (answered with 400)."""


@dataclass
class Inbound:
    """One user message out of a provider's delivery, in our own terms."""

    delivery_id: str
    user_id: str  # the provider's id of the person: phone number, chat id, PSID
    kind: str = TEXT
    text: str = ""
    token: str = ""  # BUTTON: the offer the pressed button belongs to ...
    index: int = -1  # ... and its position in it
    context: Dict[str, Any] = field(default_factory=dict)  # provider extras for the reply


class ReplyCollector(OutputChannel):
    """Keeps Rasa's messages for one turn as they are (paragraphs are not split)."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.messages: List[Dict[str, Any]] = []

    def name(self) -> Text:
        return self.channel

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        self.messages.append(dict(message))

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        self.messages.append({"text": text})


OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


async def in_thread(function: Callable[..., Any], *args: Any) -> Any:
    """Run a short database call without blocking the server's event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, function, *args)


def button_id(token: str, index: int) -> str:
    """The short id a provider returns when the button is pressed (well under 64 bytes)."""
    return f"{token}:{index}"


def button_press(delivery_id: str, user_id: str, short_id: str, **context: Any) -> Inbound:
    """An Inbound for a pressed button; an id we did not make maps to nothing (expired)."""
    token, _, index = (short_id or "").partition(":")
    valid = token.isalnum() and index.isdigit()
    return Inbound(
        delivery_id,
        user_id,
        BUTTON,
        token=token if valid else "",
        index=int(index) if valid else -1,
        context=dict(context),
    )


def is_json_object(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise BadPayloadError("expected a JSON object")
    return value


def json_object(body: Optional[bytes]) -> Mapping[str, Any]:
    """A delivery's body as a JSON object, or BadPayloadError (a 400, never a 500)."""
    try:
        parsed = untrusted_json(body or b"")
    except NotJSON:
        raise BadPayloadError("expected a JSON body") from None
    return is_json_object(parsed)


class WebhookChannel(InputChannel):
    """Base of our provider channels; see the module docstring for the request flow."""

    channel_name = ""
    honours_opt_out = False  # SMS: STOP/START/HELP and no messages after STOP
    window: Optional[timedelta] = None  # WhatsApp: free-form replies only within 24 hours

    def __init__(
        self, env: Optional[Mapping[str, str]] = None, store: Optional[ChannelStore] = None
    ):
        self.env: Mapping[str, str] = dict(os.environ if env is None else env)
        self.store = store or ChannelStore()
        self.client = ProviderClient(self.channel_name)
        self._tasks: Set["asyncio.Task[None]"] = set()
        self._locks: Dict[str, asyncio.Lock] = {}

    # --- what providers supply ------------------------------------------------------------
    @classmethod
    def name(cls) -> Text:
        return cls.channel_name

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "InputChannel":
        """Secrets come from the environment only (credentials.yml just names the channel)."""
        return cls()

    def configured(self) -> bool:
        return spec(self.channel_name).enabled(self.env)

    def verify(self, request: Request) -> bool:
        raise NotImplementedError

    def parse(self, request: Request) -> List[Inbound]:
        raise NotImplementedError

    async def send_turn(
        self, inbound: Inbound, replies: List[Reply], keyword_reply: bool = False
    ) -> None:
        """Render one turn's replies for the medium and send them (if :meth:`may_send`)."""
        raise NotImplementedError

    def acknowledge(self) -> HTTPResponse:
        return response.text("ok")

    def handshake(self, request: Request) -> HTTPResponse:
        return response.text("method not allowed", status=405)

    def metadata(self, inbound: Inbound) -> Dict[str, Any]:
        return {"channel": self.channel_name}

    def sender_id(self, user_id: str) -> str:
        """Conversation id: one conversation per person per channel."""
        return f"{self.channel_name}:{user_id}"

    async def before_assistant(self, inbound: Inbound) -> bool:
        """Handle a message without the assistant (SMS keywords); True when handled."""
        if not self.honours_opt_out:
            return False
        return await self._keywords(inbound)

    def in_window(self, inbound: Inbound) -> bool:
        return self.window is not None

    # --- the request flow -----------------------------------------------------------------
    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        hook = Blueprint(f"pit_{self.channel_name}_webhook", __name__)

        @hook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.configured() else "not configured"})

        @hook.route("/webhook", methods=["GET"])
        async def verification(request: Request) -> HTTPResponse:
            if not self.configured():
                return response.text("channel not configured", status=503)
            return self.handshake(request)

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self.receive(request, on_new_message)

        return hook

    async def receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        if not self.configured():
            return response.text("channel not configured", status=503)
        if len(request.body or b"") > MAX_BODY_BYTES:
            return response.text("request body too large (limit 64 KB)", status=400)
        if not self.verify(request):
            return response.text("forbidden", status=403)
        try:
            messages = self.parse(request)
        except (BadPayloadError, ValueError, TypeError, KeyError, AttributeError) as error:
            reason = (
                str(error) if isinstance(error, BadPayloadError) else "unexpected payload shape"
            )
            return response.text(f"bad request: {reason}", status=400)
        if any(sender_problem(self.sender_id(m.user_id)) for m in messages):
            # A lone surrogate, NUL or 250+ characters: no provider sends such an id, and the
            # tracker store could not keep a conversation under it.
            return response.text("bad request: unusable sender id", status=400)
        for message in messages:
            first = await in_thread(
                self.store.first_delivery, self.channel_name, message.delivery_id
            )
            if first:
                self._spawn(self.handle(message, on_new_message))
        return self.acknowledge()

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _lock(self, user_id: str) -> asyncio.Lock:
        """Messages from one person are handled in the order they arrived."""
        return self._locks.setdefault(user_id, asyncio.Lock())

    async def handle(self, inbound: Inbound, on_new_message: OnNewMessage) -> None:
        lock = self._lock(inbound.user_id)
        try:
            async with lock:
                await self._handle(inbound, on_new_message)
        except Exception as error:  # noqa: BLE001 (a background task: log, never crash the server)
            logger.error(
                "%s: handling a message failed (%s)", self.channel_name, type(error).__name__
            )
        finally:
            if not lock.locked() and self._locks.get(inbound.user_id) is lock:
                self._locks.pop(inbound.user_id, None)

    async def _handle(self, inbound: Inbound, on_new_message: OnNewMessage) -> None:
        await in_thread(self.store.record_inbound, self.channel_name, inbound.user_id)
        if await self.before_assistant(inbound):
            return
        if self.honours_opt_out and await in_thread(
            self.store.opted_out, self.channel_name, inbound.user_id
        ):
            return  # opted out: nothing is answered until START
        if inbound.kind == UNSUPPORTED:
            await self.send_turn(inbound, [Reply(texts.text("unsupported"))])
            return
        message = await self._assistant_text(inbound)
        if message is None:
            await self.send_turn(inbound, [Reply(texts.text("expired"))])
            return
        if not message:
            await self.send_turn(inbound, [Reply(texts.text("unsupported"))])
            return
        collector = ReplyCollector(self.channel_name)
        await on_new_message(
            UserMessage(
                message,
                collector,
                self.sender_id(inbound.user_id),
                input_channel=self.channel_name,
                metadata=self.metadata(inbound),
            )
        )
        # Rasa's turn arrives with urgent guidance first (bot/safety/urgent_first.py).
        replies = [Reply.from_rasa(m) for m in collector.messages]
        replies = [r for r in replies if r.text or r.buttons]
        if replies:
            await self.send_turn(inbound, replies)

    async def _assistant_text(self, inbound: Inbound) -> Optional[str]:
        """What Rasa gets: the payload of a button we sent, else the typed words.

        None means a button press we cannot map back (an unknown or foreign id).
        """
        if inbound.kind == BUTTON:
            offer = await in_thread(
                self.store.offer, self.channel_name, inbound.user_id, inbound.token
            )
            return offer.payload(inbound.index) if offer else None
        latest = await in_thread(self.store.latest_offer, self.channel_name, inbound.user_id)
        text = readable_text(inbound.text)
        return numbered_choice(text, latest) or as_typed_text(text)

    # --- helpers for sending --------------------------------------------------------------
    async def remember_buttons(
        self, inbound: Inbound, buttons: List[Button], numbered: bool
    ) -> Offer:
        """Store the buttons of this reply (an empty list clears numbered replies)."""
        return await in_thread(
            self.store.save_offer,
            self.channel_name,
            inbound.user_id,
            [b.payload for b in buttons],
            numbered,
        )

    async def may_send(self, inbound: Inbound, keyword_reply: bool = False) -> bool:
        """False after STOP (except the STOP/HELP answers) or outside the 24-hour window."""
        if self.honours_opt_out and not keyword_reply:
            if await in_thread(self.store.opted_out, self.channel_name, inbound.user_id):
                logger.info("%s: reply not sent: the number opted out", self.channel_name)
                return False
        if self.window is not None and self.in_window(inbound):
            last = await in_thread(self.store.last_inbound, self.channel_name, inbound.user_id)
            if last is None or utcnow() - last > self.window:
                logger.warning(
                    "%s: reply not sent: outside the 24-hour window for free-form messages",
                    self.channel_name,
                )
                return False
        return True

    # --- SMS keywords -----------------------------------------------------------------------
    async def _keywords(self, inbound: Inbound) -> bool:
        word = keyword(inbound.text) if inbound.kind == TEXT else None
        if word is None:
            return False
        if word == STOP:
            await in_thread(self.store.set_opted_out, self.channel_name, inbound.user_id, True)
            await self.send_turn(inbound, [Reply(texts.text("stop"))], keyword_reply=True)
        elif word == START:
            await in_thread(self.store.set_opted_out, self.channel_name, inbound.user_id, False)
            await self.send_turn(inbound, [Reply(texts.text("start"))])
        elif word == HELP:
            await self.send_turn(inbound, [Reply(texts.text("help"))], keyword_reply=True)
        return True
