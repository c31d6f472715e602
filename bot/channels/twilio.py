"""Twilio SMS and WhatsApp (through Twilio) as one channel: POST /webhooks/twilio/webhook.

Twilio signs each request: ``X-Twilio-Signature`` is the base64 HMAC-SHA1, keyed with
the auth token, of the public URL followed by every POST parameter's name and value,
sorted by name. Behind a reverse proxy the server sees another URL, so the URL signed
is ``PUBLIC_BASE_URL`` + the path. Replies go through the Messages API, one message
per segment: both media show plain text only, so buttons become "Reply 1 for ...".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta
from typing import Dict, List, Mapping, Optional
from urllib.parse import parse_qs

import aiohttp
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import texts
from bot.channels.registry import PUBLIC_BASE_URL_ENV, env_value
from bot.channels.render import Reply, joined, last_buttons, numbered_options, split_text
from bot.channels.webhook import TEXT, UNSUPPORTED, BadPayloadError, Inbound, WebhookChannel
from bot.secret_compare import secret_matches

SIGNATURE_HEADER = "X-Twilio-Signature"
DEFAULT_API_BASE = "https://api.twilio.com"
WHATSAPP_PREFIX = "whatsapp:"
MAX_BODY_CHARS = 1600  # Twilio's limit for one message's Body (it splits SMS segments itself)
WHATSAPP_WINDOW = timedelta(hours=24)


def twilio_signature(auth_token: str, url: str, params: Mapping[str, List[str]]) -> str:
    """Twilio's request signature over ``url`` and the POST parameters."""
    data = url + "".join(name + value for name in sorted(params) for value in sorted(params[name]))
    digest = hmac.new(auth_token.encode("utf-8"), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def _first(params: Mapping[str, List[str]], name: str) -> str:
    values = params.get(name) or [""]
    return str(values[0])


class TwilioChannel(WebhookChannel):
    channel_name = "twilio"
    honours_opt_out = True
    window = WHATSAPP_WINDOW  # applies to WhatsApp numbers only, see in_window

    @property
    def account_sid(self) -> str:
        return env_value(self.env, "TWILIO_ACCOUNT_SID")

    @property
    def auth_token(self) -> str:
        return env_value(self.env, "TWILIO_AUTH_TOKEN")

    @property
    def api_base(self) -> str:
        return env_value(self.env, "TWILIO_API_BASE", DEFAULT_API_BASE).rstrip("/")

    def signed_url(self, request: Request) -> str:
        """The URL Twilio signed: PUBLIC_BASE_URL + path (+ query), else what we received."""
        base = env_value(self.env, PUBLIC_BASE_URL_ENV).rstrip("/")
        if not base:
            return request.url
        query = f"?{request.query_string}" if request.query_string else ""
        return f"{base}{request.path}{query}"

    def _params(self, request: Request) -> Dict[str, List[str]]:
        """The POST parameters, blank values included (Twilio signs those too)."""
        content_type = (request.headers.get("content-type") or "").split(";")[0].strip()
        if content_type != "application/x-www-form-urlencoded":
            return {}
        try:
            return parse_qs((request.body or b"").decode("utf-8"), keep_blank_values=True)
        except (UnicodeDecodeError, ValueError):
            return {}

    def verify(self, request: Request) -> bool:
        given = request.headers.get(SIGNATURE_HEADER) or ""
        if not given:
            return False
        expected = twilio_signature(
            self.auth_token, self.signed_url(request), self._params(request)
        )
        return secret_matches(given, expected)

    def parse(self, request: Request) -> List[Inbound]:
        params = self._params(request)
        sid = _first(params, "MessageSid") or _first(params, "SmsMessageSid")
        sender = _first(params, "From")
        if not params or not sid or not sender or not _first(params, "To"):
            raise BadPayloadError("expected a form with MessageSid, From and To")
        body = _first(params, "Body").strip()
        located = bool(_first(params, "Latitude"))
        kind = UNSUPPORTED if not body or located else TEXT  # media with a caption: the caption
        return [Inbound(sid, sender, kind, body, context={"to": _first(params, "To")})]

    def acknowledge(self) -> HTTPResponse:
        # An empty TwiML answer: the replies go through the API, not in this response.
        return response.text(
            '<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
            content_type="text/xml",
        )

    def metadata(self, inbound: Inbound) -> Dict[str, object]:
        phone = (
            inbound.user_id[len(WHATSAPP_PREFIX) :]
            if self.is_whatsapp(inbound)
            else inbound.user_id
        )
        medium = "whatsapp" if self.is_whatsapp(inbound) else "sms"
        return {"channel": self.channel_name, "medium": medium, "phone": phone}

    @staticmethod
    def is_whatsapp(inbound: Inbound) -> bool:
        return inbound.user_id.startswith(WHATSAPP_PREFIX)

    def in_window(self, inbound: Inbound) -> bool:
        return self.is_whatsapp(inbound)

    def sender_number(self, inbound: Inbound) -> str:
        """Our number: TWILIO_FROM, with the whatsapp: prefix for WhatsApp conversations."""
        configured = env_value(self.env, "TWILIO_FROM")
        if self.is_whatsapp(inbound):
            whatsapp_from = env_value(self.env, "TWILIO_WHATSAPP_FROM", configured)
            if not whatsapp_from.startswith(WHATSAPP_PREFIX):
                whatsapp_from = WHATSAPP_PREFIX + whatsapp_from
            return whatsapp_from
        return (
            configured[len(WHATSAPP_PREFIX) :]
            if configured.startswith(WHATSAPP_PREFIX)
            else configured
        )

    def bodies(self, replies: List[Reply], numbered_titles: Optional[List[str]]) -> List[str]:
        """One turn as few message bodies as possible: texts joined, options numbered at the end."""
        text = joined(replies)
        if numbered_titles:
            text = (
                f"{text}\n\n{numbered_options(numbered_titles, texts.text('option_line'))}".strip()
            )
        return split_text(text, MAX_BODY_CHARS)

    async def send_turn(
        self, inbound: Inbound, replies: List[Reply], keyword_reply: bool = False
    ) -> None:
        if not await self.may_send(inbound, keyword_reply):
            return
        buttons = last_buttons(replies)
        await self.remember_buttons(inbound, buttons, numbered=True)
        url = f"{self.api_base}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        auth = aiohttp.BasicAuth(self.account_sid, self.auth_token)
        for body in self.bodies(replies, [b.title for b in buttons]):
            form = {"To": inbound.user_id, "From": self.sender_number(inbound), "Body": body}
            result = await self.client.post(url, data=form, auth=auth)
            if not result.ok:
                return  # the rest would arrive out of context; the failure is logged
