"""Telegram: POST /webhooks/telegram/webhook.

Telegram sends ``X-Telegram-Bot-Api-Secret-Token`` with the secret given to
``setWebhook`` (`python -m bot channels telegram-webhook` registers it). Buttons are
an inline keyboard whose ``callback_data`` is a short id of ours (Telegram allows 64
bytes), mapped back to the payload we sent; messages are at most 4,096 characters.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping

from sanic.request import Request

from bot.channels import texts
from bot.channels.registry import env_value
from bot.channels.render import Reply, split_text
from bot.channels.webhook import (
    TEXT,
    UNSUPPORTED,
    BadPayloadError,
    Inbound,
    WebhookChannel,
    button_id,
    button_press,
    json_object,
)
from bot.secret_compare import secret_matches

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_API_BASE = "https://api.telegram.org"
MAX_TEXT = 4096


def api_url(env: Mapping[str, str], method: str) -> str:
    base = env_value(env, "TELEGRAM_API_BASE", DEFAULT_API_BASE).rstrip("/")
    return f"{base}/bot{env_value(env, 'TELEGRAM_BOT_TOKEN')}/{method}"


def _chat_id(message: Mapping[str, Any]) -> str:
    chat = message.get("chat") or {}
    if "id" not in chat:
        raise BadPayloadError("message without chat.id")
    return str(chat["id"])


class TelegramChannel(WebhookChannel):
    channel_name = "telegram"

    def verify(self, request: Request) -> bool:
        expected = env_value(self.env, "TELEGRAM_SECRET_TOKEN")
        given = request.headers.get(SECRET_HEADER) or ""
        return bool(expected) and secret_matches(given, expected)

    def parse(self, request: Request) -> List[Inbound]:
        update = json_object(request.body)
        update_id = update.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            raise BadPayloadError("expected an update with an integer update_id")
        delivery = str(update_id)
        if isinstance(update.get("callback_query"), Mapping):
            query = update["callback_query"]
            source = query.get("message") or {}
            chat = _chat_id(source) if source else str((query.get("from") or {})["id"])
            return [
                button_press(delivery, chat, str(query.get("data") or ""), query_id=query.get("id"))
            ]
        message = update.get("message")
        if not isinstance(message, Mapping):
            return []  # edits, channel posts, member updates: nothing to answer
        chat = _chat_id(message)
        text = str(message.get("text") or "").strip()
        return [Inbound(delivery, chat, TEXT if text else UNSUPPORTED, text)]

    async def _call(self, method: str, payload: Dict[str, Any]) -> bool:
        result = await self.client.post(api_url(self.env, method), json=payload, what=method)
        return result.ok

    async def send_turn(
        self, inbound: Inbound, replies: List[Reply], keyword_reply: bool = False
    ) -> None:
        if inbound.context.get("query_id"):  # stop the button's loading spinner
            await self._call(
                "answerCallbackQuery", {"callback_query_id": inbound.context["query_id"]}
            )
        if not await self.may_send(inbound, keyword_reply):
            return
        offered = False
        for reply in replies:
            parts = split_text(reply.text, MAX_TEXT) or (
                [texts.text("choose")] if reply.buttons else []
            )
            for number, part in enumerate(parts, start=1):
                payload: Dict[str, Any] = {"chat_id": inbound.user_id, "text": part}
                if reply.buttons and number == len(parts):
                    offer = await self.remember_buttons(inbound, reply.buttons, numbered=False)
                    offered = True
                    payload["reply_markup"] = {
                        "inline_keyboard": [
                            [{"text": b.title, "callback_data": button_id(offer.token, i)}]
                            for i, b in enumerate(reply.buttons)
                        ]
                    }
                if not await self._call("sendMessage", payload):
                    return
        if not offered:
            await self.remember_buttons(inbound, [], numbered=False)
