"""Fuzzed deliveries to the messaging-channel webhooks, signed as each provider signs them.

Shared by tests/integration/channels/test_fuzz_channels.py and bench/fuzz_bench.py.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Tuple

from tests.support.channel_clients import (
    ChannelUser,
    MessengerUser,
    TelegramUser,
    TwilioUser,
    WhatsAppUser,
)
from tests.support.fake_providers import FakeProviderApi
from tests.support.fuzz_corpus import to_json

CHANNELS = ["twilio", "whatsapp", "telegram", "messenger"]
_USERS: Dict[str, Callable[[str, FakeProviderApi], ChannelUser]] = {
    "twilio": TwilioUser,
    "whatsapp": WhatsAppUser,
    "telegram": TelegramUser,
    "messenger": MessengerUser,
}


def make_user(channel: str, rasa_url: str, fake: FakeProviderApi) -> ChannelUser:
    """A new patient on ``channel`` (a new phone number, chat or page-scoped id)."""
    return _USERS[channel](rasa_url, fake)


def envelope(user: ChannelUser, text: str) -> Any:
    """The provider's own delivery of ``text`` (Twilio: its form parameters)."""
    if isinstance(user, TwilioUser):
        return user.params(text)
    if isinstance(user, TelegramUser):
        return user.message(text)
    if isinstance(user, WhatsAppUser):
        return user.message("text", {"body": text})
    assert isinstance(user, MessengerUser)
    return user.event({"mid": f"m_{user.next_id()}", "text": text})


def _form_text(value: Any) -> str:
    """A form carries text only: what cannot be UTF-8 is replaced, as a client would."""
    return str(value).encode("utf-8", "replace").decode()


def deliver_signed(user: ChannelUser, payload: Any) -> Tuple[int, bytes, bytes]:
    """Deliver ``payload`` signed as the provider signs it; also returns what was sent
    (so an answer that merely echoes it is not taken for a leak)."""
    if isinstance(user, TwilioUser):
        if isinstance(payload, dict):
            params = {_form_text(k): _form_text(v) for k, v in payload.items()}
            status, body = user.deliver(params)
            return status, body, repr(params).encode()
        if not isinstance(payload, bytes):
            payload = _form_text(payload).encode()
    body = payload if isinstance(payload, bytes) else to_json(payload)
    status, answer = user.deliver_raw(body)
    return status, answer, body
