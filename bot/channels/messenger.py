"""Facebook Messenger: POST /webhooks/messenger/webhook (GET for Meta's handshake).

Buttons become quick replies (at most 13, titles at most 20 characters) whose
payload is a short id of ours, else numbered text; messages are at most 2,000
characters. Our own messages echoed back (``is_echo``), delivery and read receipts
need no answer.
"""

from __future__ import annotations

from typing import Any, Dict, List

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import meta, texts
from bot.channels.registry import env_value
from bot.channels.render import Reply, numbered_options, split_text
from bot.channels.webhook import (
    TEXT,
    UNSUPPORTED,
    Inbound,
    WebhookChannel,
    button_id,
    button_press,
)

MAX_TEXT = 2000
MAX_QUICK_REPLIES, MAX_TITLE = 13, 20


def _event(event: Dict[str, Any]) -> List[Inbound]:
    sender = str((event.get("sender") or {})["id"])
    if isinstance(event.get("message"), dict):
        message = event["message"]
        if message.get("is_echo"):
            return []
        mid = str(message["mid"])
        if isinstance(message.get("quick_reply"), dict):
            return [button_press(mid, sender, str(message["quick_reply"].get("payload") or ""))]
        text = str(message.get("text") or "").strip()
        return [Inbound(mid, sender, TEXT if text else UNSUPPORTED, text)]
    if isinstance(event.get("postback"), dict):
        postback = event["postback"]
        mid = str(postback.get("mid") or f"postback:{sender}:{event.get('timestamp')}")
        return [button_press(mid, sender, str(postback.get("payload") or ""))]
    return []  # delivery, read, reaction, ...


class MessengerChannel(WebhookChannel):
    channel_name = "messenger"

    def verify(self, request: Request) -> bool:
        return meta.verify_request(self.env, request)

    def handshake(self, request: Request) -> HTTPResponse:
        return meta.handshake(self.env, request)

    def parse(self, request: Request) -> List[Inbound]:
        data = meta.json_body(request, "page")
        found: List[Inbound] = []
        for entry in data["entry"]:
            for event in entry.get("messaging") or []:
                found += _event(event)
        return found

    def acknowledge(self) -> HTTPResponse:
        return response.text("EVENT_RECEIVED")

    async def _send(self, inbound: Inbound, message: Dict[str, Any]) -> bool:
        token = env_value(self.env, "MESSENGER_PAGE_ACCESS_TOKEN")
        payload = {
            "recipient": {"id": inbound.user_id},
            "messaging_type": "RESPONSE",
            "message": message,
        }
        result = await self.client.post(
            f"{meta.graph_base(self.env)}/me/messages",
            json=payload,
            headers={"Authorization": f"Bearer {token}"},
        )
        return result.ok

    async def send_turn(
        self, inbound: Inbound, replies: List[Reply], keyword_reply: bool = False
    ) -> None:
        if not await self.may_send(inbound, keyword_reply):
            return
        offered = False
        for reply in replies:
            buttons = reply.buttons
            quick = (
                bool(buttons)
                and len(buttons) <= MAX_QUICK_REPLIES
                and all(len(b.title) <= MAX_TITLE for b in buttons)
            )
            text = reply.text
            if buttons and not quick:
                options = numbered_options([b.title for b in buttons], texts.text("option_line"))
                text = f"{text}\n\n{options}".strip()
            parts = split_text(text, MAX_TEXT) or ([texts.text("choose")] if buttons else [])
            offer = None
            if buttons:
                offer = await self.remember_buttons(inbound, buttons, numbered=not quick)
                offered = True
            for number, part in enumerate(parts, start=1):
                message: Dict[str, Any] = {"text": part}
                if quick and offer and number == len(parts):
                    message["quick_replies"] = [
                        {
                            "content_type": "text",
                            "title": b.title,
                            "payload": button_id(offer.token, i),
                        }
                        for i, b in enumerate(buttons)
                    ]
                if not await self._send(inbound, message):
                    return
        if not offered:
            await self.remember_buttons(inbound, [], numbered=False)
