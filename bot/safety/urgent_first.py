"""Urgent guidance is the first thing a patient reads in a turn, on every channel.

Rasa starts a new conversation's session *before* it reads the first message, so the
session notice ("Hi! I'm the automated assistant ...") is already on its way when the
message turns out to report an emergency. On a phone screen, or in one SMS, the patient
would read who we are before "call 911 now". Here each turn's messages are held until the
turn is done and then sent in the same order, except that urgent guidance (the
``utter_red_flag*`` responses) goes first. A turn takes milliseconds, so holding it is not
noticed, and every channel (REST, the website's socket.io, SMS, WhatsApp, Telegram,
Messenger) gets the same order from this one place.

Installed in the Rasa server by :func:`install` (bot/channels/rest.py, always loaded).
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Text, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage

from bot.intents import RED_FLAG_RESPONSE_PREFIX

_installed = False


def is_urgent(message: Mapping[str, Any]) -> bool:
    """A message made from one of the urgent-guidance responses (Rasa names it)."""
    return str(message.get("utter_action") or "").startswith(RED_FLAG_RESPONSE_PREFIX)


class UrgentFirstChannel(OutputChannel):
    """Holds one turn's messages for ``inner`` and sends them, urgent first, on :meth:`flush`.

    It answers to the inner channel's name, so responses written for one channel
    (``channel: twilio`` variants) are still chosen for it.
    """

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self._held: List[Tuple[Text, Dict[str, Any]]] = []

    def name(self) -> Text:  # the inner channel's, per instance (Rasa: a classmethod)
        return self.inner.name()

    def __getattr__(self, attribute: str) -> Any:
        # Channel-specific attributes (a socket.io sid, a collector's messages) stay reachable.
        if attribute == "inner":  # not set yet (a copy being made): no endless lookup
            raise AttributeError(attribute)
        return getattr(self.inner, attribute)

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        self._held.append((recipient_id, message))

    async def flush(self) -> None:
        """Send what the turn said, urgent guidance first, each part in its own order."""
        held, self._held = self._held, []
        for recipient_id, message in sorted(held, key=lambda sent: not is_urgent(sent[1])):
            await self.inner.send_response(recipient_id, message)


HandleMessage = Callable[[Any, UserMessage], Awaitable[Optional[List[Dict[Text, Any]]]]]


def urgent_first_turns(handle_message: HandleMessage) -> HandleMessage:
    """``MessageProcessor.handle_message`` with its turn's messages sent urgent first."""

    async def handle(processor: Any, message: UserMessage) -> Optional[List[Dict[Text, Any]]]:
        inner = message.output_channel
        turn = UrgentFirstChannel(inner)
        message.output_channel = turn
        try:
            await handle_message(processor, message)
        finally:
            message.output_channel = inner
            await turn.flush()
        return inner.messages if isinstance(inner, CollectingOutputChannel) else None

    handle.__wrapped__ = handle_message  # type: ignore[attr-defined]
    return handle


def install() -> None:
    """Wrap Rasa's ``MessageProcessor.handle_message`` once per process."""
    global _installed
    if _installed:
        return
    from rasa.core.processor import MessageProcessor

    MessageProcessor.handle_message = urgent_first_turns(MessageProcessor.handle_message)
    _installed = True
