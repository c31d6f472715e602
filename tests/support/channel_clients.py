"""Send signed (or unsigned) webhook deliveries to our channels, as each provider does."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple

from bot.channels.twilio import twilio_signature
from tests.support.fake_providers import Call, FakeProviderApi

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


def json_post(url: str, payload: Any, headers: Dict[str, str]) -> Tuple[int, bytes]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return post(url, body, {"Content-Type": "application/json", **headers})


@dataclass
class Turn:
    """What the assistant sent back for one user message, as the patient sees it."""

    calls: List[Call]
    text: str
    choices: Dict[str, str]  # button title -> what to send back (short id, or the number)


_OPTION = re.compile(r"^Reply (\d+) for (.+)$", re.MULTILINE)


class ChannelUser:
    """A patient on one channel: sends deliveries, reads replies from the fake API."""

    path = ""

    def __init__(self, rasa_url: str, fake: FakeProviderApi) -> None:
        self.rasa_url = rasa_url
        self.fake = fake
        self.counter = 0

    channel = ""

    # provider specifics
    @property
    def user_id(self) -> str:
        raise NotImplementedError

    @property
    def sender_id(self) -> str:
        """The conversation id Rasa keeps for this user."""
        return f"{self.channel}:{self.user_id}"

    def deliver_text(
        self, text: str, delivery_id: Optional[str] = None, signature: Optional[str] = "valid"
    ) -> Tuple[int, bytes]:
        raise NotImplementedError

    def deliver_raw(self, body: bytes, signature: Optional[str] = "valid") -> Tuple[int, bytes]:
        """Any body, signed as the provider would sign it (or not)."""
        raise NotImplementedError

    def deliver_photo(self) -> Tuple[int, bytes]:
        """A picture and no text."""
        raise NotImplementedError

    def send_photo(self) -> Turn:
        return self._turn(self.deliver_photo)

    def deliver_choice(self, short_id: str) -> Tuple[int, bytes]:
        raise NotImplementedError

    def is_reply(self, call: Call) -> bool:
        raise NotImplementedError

    def read(self, call: Call) -> Tuple[str, Dict[str, str]]:
        """The text and the choices (title -> short id) of one send call."""
        raise NotImplementedError

    def next_id(self) -> str:
        self.counter += 1
        return f"{uuid.uuid4().hex}-{self.counter}"

    # shared
    def replies(self) -> List[Call]:
        return self.fake.matching(self.is_reply)

    def _turn(self, send: Any) -> Turn:
        before = len(self.replies())
        status, body = send()
        assert status == 200, (status, body[:300])
        calls = self.fake.wait_for(self.is_reply, before + 1)[before:]
        texts, choices = [], {}
        for call in calls:
            text, found = self.read(call)
            texts.append(text)
            choices.update(found)
        joined = "\n\n".join(t for t in texts if t)
        for number, title in _OPTION.findall(joined):  # numbered options, on any medium
            choices.setdefault(title.strip(), number)
        return Turn(calls, joined, choices)

    def say(self, text: str) -> Turn:
        return self._turn(lambda: self.deliver_text(text))

    def choose(self, turn: Turn, title: str) -> Turn:
        assert title in turn.choices, (title, list(turn.choices))
        choice = turn.choices[title]
        if choice.isdigit():
            return self.say(choice)
        return self._turn(lambda: self.deliver_choice(choice))


class TwilioUser(ChannelUser):
    """A phone texting the clinic's Twilio number (SMS, or WhatsApp with ``whatsapp=True``)."""

    path = "/webhooks/twilio/webhook"

    def __init__(self, rasa_url: str, fake: FakeProviderApi, whatsapp: bool = False) -> None:
        super().__init__(rasa_url, fake)
        self.whatsapp = whatsapp
        self.phone = random_phone()

    @property
    def address(self) -> str:
        return f"whatsapp:{self.phone}" if self.whatsapp else self.phone

    def params(self, text: str, sid: Optional[str] = None, **extra: str) -> Dict[str, str]:
        ours = TWILIO["TWILIO_FROM"]
        return {
            "MessageSid": sid or f"SM{self.next_id().replace('-', '')[:32]}",
            "AccountSid": TWILIO["TWILIO_ACCOUNT_SID"],
            "From": self.address,
            "To": f"whatsapp:{ours}" if self.whatsapp else ours,
            "Body": text,
            "NumMedia": "0",
            **extra,
        }

    def deliver(
        self, params: Dict[str, str], signature: Optional[str] = "valid", url: str = PUBLIC_BASE
    ) -> Tuple[int, bytes]:
        body = urllib.parse.urlencode(params).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if signature == "valid":
            signed = {k: [v] for k, v in params.items()}
            signature = twilio_signature(TWILIO["TWILIO_AUTH_TOKEN"], url + self.path, signed)
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        return post(self.rasa_url + self.path, body, headers)

    channel = "twilio"

    @property
    def user_id(self) -> str:
        return self.address

    def deliver_text(
        self, text: str, delivery_id: Optional[str] = None, signature: Optional[str] = "valid"
    ) -> Tuple[int, bytes]:
        return self.deliver(self.params(text, delivery_id), signature)

    def deliver_raw(self, body: bytes, signature: Optional[str] = "valid") -> Tuple[int, bytes]:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if signature == "valid":
            # A body that is not UTF-8 is signed as the provider would read it, bytes replaced.
            text = body.decode("utf-8", errors="replace")
            params = urllib.parse.parse_qs(text, keep_blank_values=True)
            signature = twilio_signature(
                TWILIO["TWILIO_AUTH_TOKEN"], PUBLIC_BASE + self.path, params
            )
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        return post(self.rasa_url + self.path, body, headers)

    def deliver_photo(self) -> Tuple[int, bytes]:
        media = {"NumMedia": "1", "MediaUrl0": "https://api.twilio.test/media/ME1"}
        return self.deliver(self.params("", **media))

    def is_reply(self, call: Call) -> bool:
        return call.path.endswith("/Messages.json") and call.form.get("To") == self.address

    def read(self, call: Call) -> Tuple[str, Dict[str, str]]:
        return call.form["Body"], {}


class TelegramUser(ChannelUser):
    """A Telegram chat with the clinic's bot."""

    path = "/webhooks/telegram/webhook"
    _updates = iter(range(random.randint(10**8, 2 * 10**8), 10**10))

    def __init__(self, rasa_url: str, fake: FakeProviderApi) -> None:
        super().__init__(rasa_url, fake)
        self.chat_id = random.randint(10**8, 10**9)

    def update(self, content: Dict[str, Any], update_id: Optional[int] = None) -> Dict[str, Any]:
        return {"update_id": update_id or next(self._updates), **content}

    def message(self, text: Optional[str] = None, **extra: Any) -> Dict[str, Any]:
        message: Dict[str, Any] = {
            "message_id": random.randint(1, 10**6),
            "from": {"id": self.chat_id, "is_bot": False, "first_name": "Pat"},
            "chat": {"id": self.chat_id, "type": "private"},
            "date": 1_700_000_000,
            **extra,
        }
        if text is not None:
            message["text"] = text
        return self.update({"message": message})

    def deliver(self, update: Any, secret: Optional[str] = "valid") -> Tuple[int, bytes]:
        """``secret``: "valid" sends ours, None sends no header, anything else is sent as is."""
        headers = {}
        if secret == "valid":
            secret = TELEGRAM["TELEGRAM_SECRET_TOKEN"]
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        return json_post(self.rasa_url + self.path, update, headers)

    channel = "telegram"

    @property
    def user_id(self) -> str:
        return str(self.chat_id)

    def deliver_text(
        self, text: str, delivery_id: Optional[str] = None, signature: Optional[str] = "valid"
    ) -> Tuple[int, bytes]:
        update = self.message(text)
        if delivery_id is not None:
            update["update_id"] = int(delivery_id)
        return self.deliver(update, signature)

    def deliver_raw(self, body: bytes, signature: Optional[str] = "valid") -> Tuple[int, bytes]:
        return self.deliver(body, signature)

    def deliver_photo(self) -> Tuple[int, bytes]:
        photo = [{"file_id": "AgAD", "file_unique_id": "x", "width": 90, "height": 90}]
        return self.deliver(self.message(photo=photo))

    def deliver_choice(self, short_id: str) -> Tuple[int, bytes]:
        query = {
            "id": self.next_id(),
            "from": {"id": self.chat_id, "is_bot": False, "first_name": "Pat"},
            "message": {"message_id": 1, "chat": {"id": self.chat_id, "type": "private"}},
            "chat_instance": "1",
            "data": short_id,
        }
        return self.deliver(self.update({"callback_query": query}))

    def is_reply(self, call: Call) -> bool:
        return call.path.endswith("/sendMessage") and (call.json or {}).get("chat_id") == str(
            self.chat_id
        )

    def read(self, call: Call) -> Tuple[str, Dict[str, str]]:
        body = call.json
        keyboard = (body.get("reply_markup") or {}).get("inline_keyboard") or []
        return body["text"], {b["text"]: b["callback_data"] for row in keyboard for b in row}


class MetaUser(ChannelUser):
    """What WhatsApp Cloud and Messenger users share: Meta-signed JSON deliveries."""

    def deliver(self, payload: Any, signature: Optional[str] = "valid") -> Tuple[int, bytes]:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {}
        if signature == "valid":
            signature = meta_signature(body)
        if signature is not None:
            headers["X-Hub-Signature-256"] = signature
        return json_post(self.rasa_url + self.path, body, headers)

    def deliver_raw(self, body: bytes, signature: Optional[str] = "valid") -> Tuple[int, bytes]:
        return self.deliver(body, signature)


class WhatsAppUser(MetaUser):
    """A WhatsApp user writing to the clinic's Cloud API number."""

    path = "/webhooks/whatsapp/webhook"

    def __init__(self, rasa_url: str, fake: FakeProviderApi) -> None:
        super().__init__(rasa_url, fake)
        self.wa_id = random_phone().lstrip("+")

    def envelope(self, message: Dict[str, Any]) -> Dict[str, Any]:
        value = {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550100000", "phone_number_id": "1098765"},
            "contacts": [{"profile": {"name": "Pat"}, "wa_id": self.wa_id}],
            "messages": [message],
        }
        return {
            "object": "whatsapp_business_account",
            "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": value}]}],
        }

    def message(self, kind: str, content: Any, mid: Optional[str] = None) -> Dict[str, Any]:
        return self.envelope(
            {
                "from": self.wa_id,
                "id": mid or f"wamid.{self.next_id()}",
                "timestamp": "1700000000",
                "type": kind,
                kind: content,
            }
        )

    channel = "whatsapp"

    @property
    def user_id(self) -> str:
        return self.wa_id

    def deliver_text(
        self, text: str, delivery_id: Optional[str] = None, signature: Optional[str] = "valid"
    ) -> Tuple[int, bytes]:
        return self.deliver(self.message("text", {"body": text}, delivery_id), signature)

    def deliver_photo(self) -> Tuple[int, bytes]:
        return self.deliver(self.message("image", {"id": "MEDIA1", "mime_type": "image/jpeg"}))

    def deliver_choice(self, short_id: str) -> Tuple[int, bytes]:
        reply = {"type": "button_reply", "button_reply": {"id": short_id, "title": "x"}}
        return self.deliver(self.message("interactive", reply))

    def is_reply(self, call: Call) -> bool:
        return call.path.endswith("/1098765/messages") and (call.json or {}).get("to") == self.wa_id

    def read(self, call: Call) -> Tuple[str, Dict[str, str]]:
        body = call.json
        if body["type"] == "text":
            return body["text"]["body"], {}
        interactive = body["interactive"]
        action = interactive["action"]
        if interactive["type"] == "button":
            options = {b["reply"]["title"]: b["reply"]["id"] for b in action["buttons"]}
        else:
            rows = [row for section in action["sections"] for row in section["rows"]]
            options = {row["title"]: row["id"] for row in rows}
        return interactive["body"]["text"], options


class MessengerUser(MetaUser):
    """A Facebook user messaging the clinic's page."""

    path = "/webhooks/messenger/webhook"

    def __init__(self, rasa_url: str, fake: FakeProviderApi) -> None:
        super().__init__(rasa_url, fake)
        self.psid = str(random.randint(10**15, 10**16))

    def event(self, message: Dict[str, Any]) -> Dict[str, Any]:
        event = {
            "sender": {"id": self.psid},
            "recipient": {"id": "PAGE"},
            "timestamp": 1_700_000_000_000,
            "message": message,
        }
        return {"object": "page", "entry": [{"id": "PAGE", "time": 1, "messaging": [event]}]}

    channel = "messenger"

    @property
    def user_id(self) -> str:
        return self.psid

    def deliver_text(
        self, text: str, delivery_id: Optional[str] = None, signature: Optional[str] = "valid"
    ) -> Tuple[int, bytes]:
        mid = delivery_id or f"m_{self.next_id()}"
        return self.deliver(self.event({"mid": mid, "text": text}), signature)

    def deliver_photo(self) -> Tuple[int, bytes]:
        image = {"type": "image", "payload": {"url": "https://fb.test/p.jpg"}}
        return self.deliver(self.event({"mid": f"m_{self.next_id()}", "attachments": [image]}))

    def deliver_choice(self, short_id: str) -> Tuple[int, bytes]:
        message = {"mid": f"m_{self.next_id()}", "text": "x", "quick_reply": {"payload": short_id}}
        return self.deliver(self.event(message))

    def is_reply(self, call: Call) -> bool:
        body = call.json or {}
        return (
            call.path.endswith("/me/messages") and body.get("recipient", {}).get("id") == self.psid
        )

    def read(self, call: Call) -> Tuple[str, Dict[str, str]]:
        message = call.json["message"]
        quick = message.get("quick_replies") or []
        return message["text"], {q["title"]: q["payload"] for q in quick}
