"""Send signed (or unsigned) webhook deliveries to our channels, as each provider does."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Tuple

from bot.channels.twilio import twilio_signature

PUBLIC_BASE = "https://chat.clinic.test"  # what the providers call; the server sees loopback
TWILIO = {
    "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
    "TWILIO_AUTH_TOKEN": "twilio-test-token",
    "TWILIO_FROM": "+15550100000",
}
META = {"META_APP_SECRET": "meta-app-secret", "META_VERIFY_TOKEN": "meta-verify-token"}
WHATSAPP = {"WHATSAPP_ACCESS_TOKEN": "wa-access-token", "WHATSAPP_PHONE_NUMBER_ID": "1098765"}
TELEGRAM = {"TELEGRAM_BOT_TOKEN": "12345:telegram-bot-token", "TELEGRAM_SECRET_TOKEN": "tg-secret"}
MESSENGER = {"MESSENGER_PAGE_ACCESS_TOKEN": "page-access-token"}


def channel_env(api_base: str) -> Dict[str, str]:
    """Every channel on, every *_API_BASE at the fake provider API."""
    return {
        **TWILIO,
        **META,
        **WHATSAPP,
        **TELEGRAM,
        **MESSENGER,
        "PUBLIC_BASE_URL": PUBLIC_BASE,
        "TWILIO_API_BASE": api_base,
        "TELEGRAM_API_BASE": api_base,
        "META_GRAPH_API_BASE": f"{api_base}/v21.0",
    }


def post(
    url: str, body: bytes, headers: Mapping[str, str], method: str = "POST"
) -> Tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers=dict(headers), method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def random_phone() -> str:
    return f"+1555{random.randint(1000000, 9999999)}"


def meta_signature(body: bytes, secret: str = META["META_APP_SECRET"]) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class TwilioUser:
    """A phone texting the clinic's Twilio number (SMS, or WhatsApp with ``whatsapp=True``)."""

    rasa_url: str
    whatsapp: bool = False
    phone: str = field(default_factory=random_phone)
    sent: int = 0

    @property
    def address(self) -> str:
        return f"whatsapp:{self.phone}" if self.whatsapp else self.phone

    @property
    def path(self) -> str:
        return "/webhooks/twilio/webhook"

    def params(self, text: str, sid: Optional[str] = None, **extra: str) -> Dict[str, str]:
        self.sent += 1
        ours = TWILIO["TWILIO_FROM"]
        return {
            "MessageSid": sid or f"SM{random.getrandbits(128):032x}",
            "AccountSid": TWILIO["TWILIO_ACCOUNT_SID"],
            "From": self.address,
            "To": f"whatsapp:{ours}" if self.whatsapp else ours,
            "Body": text,
            "NumMedia": "0",
            **extra,
        }

    def deliver(
        self, params: Dict[str, str], signature: Optional[str] = "valid"
    ) -> Tuple[int, bytes]:
        body = urllib.parse.urlencode(params).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if signature == "valid":
            signature = twilio_signature(
                TWILIO["TWILIO_AUTH_TOKEN"],
                PUBLIC_BASE + self.path,
                {k: [v] for k, v in params.items()},
            )
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        return post(self.rasa_url + self.path, body, headers)

    def says(self, text: str, **extra: str) -> Tuple[int, bytes]:
        return self.deliver(self.params(text, **extra))

    def replies(self, call: Any) -> bool:
        """Is this fake-API call a reply to this user?"""
        return call.path.endswith("/Messages.json") and call.form.get("To") == self.address


def json_post(url: str, payload: Any, headers: Dict[str, str]) -> Tuple[int, bytes]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return post(url, body, {"Content-Type": "application/json", **headers})
