"""WhatsApp Cloud API: POST /webhooks/whatsapp/webhook (GET for Meta's handshake).

Buttons become interactive reply buttons (at most 3, titles at most 20 characters),
else a list (at most 10 rows, titles at most 24), else numbered text. Free-form
replies are allowed only within 24 hours of the patient's last message; outside
that window nothing is sent and the skip is logged.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Dict, List

from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import meta, texts
from bot.channels.registry import env_value
from bot.channels.render import Button, Reply, numbered_options, split_text
from bot.channels.webhook import (
    TEXT,
    UNSUPPORTED,
    Inbound,
    WebhookChannel,
    button_id,
    button_press,
)

MAX_TEXT = 4096
MAX_INTERACTIVE_BODY = 1024
MAX_BUTTONS, MAX_BUTTON_TITLE = 3, 20
MAX_ROWS, MAX_ROW_TITLE = 10, 24
IGNORED_TYPES = {"reaction", "system", "ephemeral"}  # nothing to answer


def _message(message: Dict[str, Any]) -> Inbound:
    sender, mid, kind = str(message["from"]), str(message["id"]), message.get("type")
    if kind == "text":
        body = str((message.get("text") or {}).get("body") or "").strip()
        return Inbound(mid, sender, TEXT if body else UNSUPPORTED, body)
    if kind == "interactive":
        interactive = message.get("interactive") or {}
        reply = interactive.get("button_reply") or interactive.get("list_reply") or {}
        return button_press(mid, sender, str(reply.get("id") or ""))
    if kind == "button":  # a template's quick reply: its text is what the patient chose
        text = str((message.get("button") or {}).get("text") or "").strip()
        return Inbound(mid, sender, TEXT if text else UNSUPPORTED, text)
    return Inbound(mid, sender, UNSUPPORTED)  # image, audio, video, sticker, location, ...


class WhatsAppChannel(WebhookChannel):
    channel_name = "whatsapp"
    window = timedelta(hours=24)

    def verify(self, request: Request) -> bool:
        return meta.verify_request(self.env, request)

    def handshake(self, request: Request) -> HTTPResponse:
        return meta.handshake(self.env, request)

    def parse(self, request: Request) -> List[Inbound]:
        data = meta.json_body(request, "whatsapp_business_account")
        found: List[Inbound] = []
        for entry in data["entry"]:
            for change in entry.get("changes") or []:
                value = change.get("value") or {}
                for message in value.get("messages") or []:  # "statuses" need no answer
                    if message.get("type") not in IGNORED_TYPES:
                        found.append(_message(message))
        return found

    def acknowledge(self) -> HTTPResponse:
        from sanic import response

        return response.text("EVENT_RECEIVED")

    def metadata(self, inbound: Inbound) -> Dict[str, Any]:
        return {"channel": self.channel_name, "medium": "whatsapp", "phone": f"+{inbound.user_id}"}

    # --- sending --------------------------------------------------------------------------
    @property
    def messages_url(self) -> str:
        phone_number_id = env_value(self.env, "WHATSAPP_PHONE_NUMBER_ID")
        return f"{meta.graph_base(self.env)}/{phone_number_id}/messages"

    def _envelope(self, inbound: Inbound, kind: str, content: Dict[str, Any]) -> Dict[str, Any]:
        return {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": inbound.user_id,
            "type": kind,
            kind: content,
        }

    async def _send(self, inbound: Inbound, payload: Dict[str, Any]) -> bool:
        token = env_value(self.env, "WHATSAPP_ACCESS_TOKEN")
        result = await self.client.post(
            self.messages_url, json=payload, headers={"Authorization": f"Bearer {token}"}
        )
        return result.ok

    async def _texts(self, inbound: Inbound, parts: List[str]) -> bool:
        for part in parts:
            content = {"body": part, "preview_url": "http" in part}
            if not await self._send(inbound, self._envelope(inbound, "text", content)):
                return False
        return True

    def _interactive(self, text: str, buttons: List[Button], ids: List[str]) -> Dict[str, Any]:
        body = {"text": text}
        if len(buttons) <= MAX_BUTTONS and all(len(b.title) <= MAX_BUTTON_TITLE for b in buttons):
            replies = [
                {"type": "reply", "reply": {"id": i, "title": b.title}}
                for b, i in zip(buttons, ids, strict=True)
            ]
            return {"type": "button", "body": body, "action": {"buttons": replies}}
        rows = [{"id": i, "title": b.title} for b, i in zip(buttons, ids, strict=True)]
        return {
            "type": "list",
            "body": body,
            "action": {"button": texts.text("list_button"), "sections": [{"rows": rows}]},
        }

    @staticmethod
    def interactive_fits(buttons: List[Button]) -> bool:
        return len(buttons) <= MAX_ROWS and all(len(b.title) <= MAX_ROW_TITLE for b in buttons)

    async def send_turn(
        self, inbound: Inbound, replies: List[Reply], keyword_reply: bool = False
    ) -> None:
        if not await self.may_send(inbound, keyword_reply):
            return
        offered = False
        for reply in replies:
            if not reply.buttons:
                if not await self._texts(inbound, split_text(reply.text, MAX_TEXT)):
                    return
                continue
            offered = True
            if not self.interactive_fits(reply.buttons):
                offer = await self.remember_buttons(inbound, reply.buttons, numbered=True)
                options = numbered_options(
                    [b.title for b in reply.buttons], texts.text("option_line")
                )
                if not await self._texts(
                    inbound, split_text(f"{reply.text}\n\n{options}", MAX_TEXT)
                ):
                    return
                continue
            offer = await self.remember_buttons(inbound, reply.buttons, numbered=False)
            parts = split_text(reply.text, MAX_TEXT) or [texts.text("choose")]
            last = parts.pop()
            if len(last) > MAX_INTERACTIVE_BODY:
                pieces = split_text(last, MAX_INTERACTIVE_BODY)
                parts += pieces[:-1]
                last = pieces[-1]
            if not await self._texts(inbound, parts):
                return
            ids = [button_id(offer.token, i) for i in range(len(reply.buttons))]
            content = self._interactive(last, reply.buttons, ids)
            if not await self._send(inbound, self._envelope(inbound, "interactive", content)):
                return
        if not offered:
            await self.remember_buttons(inbound, [], numbered=False)
