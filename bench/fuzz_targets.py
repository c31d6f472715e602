"""The entry points bench/fuzz_bench.py fuzzes, each a maker of one seeded random request.

A maker returns a ``Shot``: a call that sends one request and returns (status, answer,
what was sent), and whether a well-formed message went through NLU. The inputs come
from tests/support/fuzz_corpus.py, the same kinds the fuzz tests use.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

import socketio

from bot.action_server import AUTH_HEADER
from bot.stack import Stack
from tests.support.fake_providers import FakeProviderApi
from tests.support.fuzz import send
from tests.support.fuzz_channels import deliver_signed, envelope, make_user
from tests.support.fuzz_corpus import (
    paths,
    quoted,
    random_body,
    random_json,
    random_path,
    random_text,
    replaced,
    to_json,
)
from tests.support.fuzz_studio import Staff

Answer = Tuple[int, bytes, bytes]
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]
CONTENT_TYPES = ["application/json", "application/x-www-form-urlencoded", "text/plain", ""]
NLU_SENDERS_EVERY = 10  # a new REST conversation every 10 messages, as in bench/run_bench.py


@dataclass
class Shot:
    fire: Callable[[], Answer]
    nlu: bool = False  # a well-formed message whose text goes to the assistant
    expect: Optional[Tuple[int, ...]] = None  # statuses allowed beyond "no 5xx"


def _http(method: str, url: str, body: Optional[bytes], headers: Dict[str, str]) -> Shot:
    if method in ("GET", "HEAD"):
        body = None

    def fire() -> Answer:
        status, answer = send(url, body, headers, method)
        return status, answer, (body or b"") + url.encode() + repr(headers).encode()

    return Shot(fire)


def _latin1(rng: random.Random, size: int = 40) -> str:
    """A header value http.client will send."""
    return "".join(chr(rng.randint(0x20, 0xFF)) for _ in range(rng.randint(0, size))).replace(
        "\x7f", ""
    )


class Targets:
    """Request makers for one running stack (all channels on, a signed-in studio admin)."""

    def __init__(
        self, stack: Stack, fake: FakeProviderApi, admin: Staff, rng: random.Random
    ) -> None:
        self.stack, self.fake, self.admin, self.rng = stack, fake, admin, rng
        self.nlu_sent = 0

    def makers(self) -> Dict[str, Callable[[], Shot]]:
        makers: Dict[str, Callable[[], Shot]] = {
            "REST (malformed)": self.rest_malformed,
            "REST (NLU)": self.rest_nlu,
            "Rasa server, other paths": self.rasa_paths,
            "socket.io transport": self.socketio_transport,
            "action server, no secret": self.actions_without_secret,
            "action server, with secret": self.actions_with_secret,
            "web page": self.web_page,
            "studio, anonymous": self.studio_anonymous,
            "studio, signed-in admin": self.studio_admin,
        }
        for channel in ("twilio", "whatsapp", "telegram", "messenger"):
            makers[f"webhook {channel}"] = lambda c=channel: self.channel(c)  # type: ignore[misc]
        return makers

    # --- Rasa server ------------------------------------------------------------------------
    def rest_malformed(self) -> Shot:
        headers = {"Content-Type": self.rng.choice(CONTENT_TYPES)}
        if self.rng.random() < 0.5:
            return _http("POST", self.stack.rest_url, random_body(self.rng), headers)
        fields = {k: random_json(self.rng) for k in ("sender", "message", "metadata")}
        return _http("POST", self.stack.rest_url, to_json(fields), headers)

    def rest_nlu(self) -> Shot:
        text = random_text(self.rng, 300).replace("\x00", "")[:1000]
        sender = f"fuzz-{self.nlu_sent // NLU_SENDERS_EVERY}"
        self.nlu_sent += 1
        body = to_json({"sender": sender, "message": text})
        shot = _http("POST", self.stack.rest_url, body, {"Content-Type": "application/json"})
        return Shot(shot.fire, nlu=True, expect=(200,))

    def rasa_paths(self) -> Shot:
        prefixes = ["", "webhooks/rest", "webhooks/socketio", "webhooks/telegram", "model"]
        url = f"{self.stack.rasa_url}/{random_path(self.rng, prefixes)}"
        return _http(self.rng.choice(METHODS), url, random_body(self.rng), {})

    def socketio_transport(self) -> Shot:
        query = self.rng.choice(
            ["EIO=4&transport=polling", "EIO=4&transport=polling&sid=x", "EIO=3", "transport=ws"]
        )
        url = f"{self.stack.rasa_url}/{random_path(self.rng, ['socket.io'])}"
        url += ("&" if "?" in url else "?") + query
        headers = {"Content-Type": "text/plain;charset=UTF-8"}
        return _http(self.rng.choice(METHODS), url, random_body(self.rng), headers)

    # --- messaging channels -----------------------------------------------------------------
    def channel(self, name: str) -> Shot:
        user = make_user(name, self.stack.rasa_url, self.fake)
        roll = self.rng.random()
        if roll < 0.6:  # unsigned or wrongly signed: refused before anything is read
            body, signature = random_body(self.rng), _latin1(self.rng) or None
            return Shot(
                lambda: (*user.deliver_raw(body, signature=signature), body),
                expect=(400, 403),
            )
        if roll < 0.92:  # signed, with one part of the provider's shape replaced
            payload = envelope(user, random_text(self.rng, 200))
            where = self.rng.choice(paths(payload))
            payload = replaced(payload, where, random_json(self.rng))
            if self.rng.random() < 0.3:
                payload = random_body(self.rng)
            return Shot(lambda: deliver_signed(user, payload))
        text = random_text(self.rng, 300).replace("\x00", "") or "hello"
        return Shot(lambda: deliver_signed(user, envelope(user, text)), nlu=True, expect=(200,))

    # --- action server ----------------------------------------------------------------------
    def actions_without_secret(self) -> Shot:
        auth = self.rng.choice([None, _latin1(self.rng), f"Bearer {_latin1(self.rng)}"])
        headers = {AUTH_HEADER: auth} if auth else {}
        url = f"{self.stack.actions_url}/{random_path(self.rng, ['webhook', 'actions', ''])}"
        method = self.rng.choice(METHODS)
        shot = _http(method, url, random_body(self.rng), headers)
        # OPTIONS is a CORS preflight: an empty 200 that runs nothing is allowed too.
        expect = (0, 200, 401) if method == "OPTIONS" else (0, 401)
        return Shot(shot.fire, expect=expect if "/health" not in url else None)

    def actions_with_secret(self, actions: Optional[List[str]] = None) -> Shot:
        names = actions or ["action_session_start", "action_answer_faq", "action_submit_booking"]
        call = {
            "next_action": self.rng.choice(names + [random_text(self.rng, 30)]),
            "tracker": {
                "sender_id": random_json(self.rng),
                "slots": random_json(self.rng),
                "latest_message": {"text": random_text(self.rng), "intent": random_json(self.rng)},
                "events": random_json(self.rng),
            },
            "domain": random_json(self.rng),
        }
        if self.rng.random() < 0.3:
            where = self.rng.choice(paths(call))
            call = replaced(call, where, random_json(self.rng))
        body = to_json(call) if self.rng.random() < 0.8 else random_body(self.rng)
        headers = {
            "Content-Type": "application/json",
            AUTH_HEADER: f"Bearer {self.stack.action_token}",
        }
        return _http("POST", f"{self.stack.actions_url}/webhook", body, headers)

    # --- web process ------------------------------------------------------------------------
    def web_page(self) -> Shot:
        url = (self.stack.web_url or "") + random_path(
            self.rng, ["", "js", "css", "vendor", "config.json", "static"]
        )
        value = _latin1(self.rng)
        headers = {"Accept-Language": value, "Range": f"bytes={value}", "If-None-Match": value}
        return _http(self.rng.choice(METHODS), url, random_body(self.rng), headers)

    def studio_anonymous(self) -> Shot:
        url = (self.stack.web_url or "") + random_path(
            self.rng, ["staff", "staff/sign-in", "staff/users", "staff/audit", "staff/static"]
        )
        headers = {
            "Cookie": f"pit_staff={_latin1(self.rng, 200)}",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        return _http(self.rng.choice(METHODS), url, random_body(self.rng), headers)

    def studio_admin(self) -> Shot:
        actions = ["users", "role", "unlock", "active", "password", "audit", "sign-in"]
        action = self.rng.choice(actions)
        value, name = random_text(self.rng, 60), random_text(self.rng, 40)
        page = quoted(self.rng.choice([value, "9" * 30, "-1"]))
        admin = self.admin

        def fire() -> Answer:
            if action == "audit":
                path = f"audit?page={page}"
                response = admin.http.get(admin.base + path, timeout=60)
                return response.status_code, response.content, path.encode()
            fields = {"csrf_token": admin.token("users"), "role": value, "active": value}
            fields.update(password=value, password_again=value, username=name)
            if action in ("users", "sign-in"):
                path = action
                if action == "sign-in":  # a second browser signing in with odd input
                    other = Staff(self.stack.web_url or "")
                    fields["csrf_token"] = other.token()
                    response = other.post(path, fields)
                    return response.status_code, response.content, repr(fields).encode()
            else:
                path = f"users/{quoted(name)}/{action}"
            response = admin.post(path, fields)
            return response.status_code, response.content, repr(fields).encode() + path.encode()

        return Shot(fire)


class Widget:
    """The website widget's socket.io connection: fuzzed events, and real questions whose
    answer (the first ``bot_uttered``) is waited for."""

    def __init__(self, rasa_url: str, rng: random.Random) -> None:
        self.rasa_url, self.rng = rasa_url, rng
        self.received: List[object] = []
        self.session = f"bench-{rng.getrandbits(64):016x}"
        self.client = self._connect()

    def _connect(self) -> "socketio.Client":
        client = socketio.Client(reconnection=False)
        client.on("bot_uttered", self.received.append)
        client.connect(self.rasa_url, socketio_path="/socket.io", transports=["polling"])
        client.emit("session_request", {"session_id": self.session})
        return client

    def answered(self, before: int, timeout: float = 60) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.received) > before:
                return True
            time.sleep(0.01)
        return False

    def shot(self) -> Shot:
        if not self.client.connected:  # counted as a connection error by the caller
            self.client = self._connect()
        if self.rng.random() < 0.25:
            text = random_text(self.rng, 300).replace("\x00", "")[:1000] or "hello"
            data = {"session_id": self.session, "message": text}

            def ask() -> Answer:
                before = len(self.received)
                self.client.emit("user_uttered", data)
                if not self.answered(before):
                    raise TimeoutError("no answer over socket.io within 60 s")
                return 200, repr(self.received[before:]).encode(), to_json(data)

            return Shot(ask, nlu=True, expect=(200,))
        event = self.rng.choice(["user_uttered", "session_request", "unknown"])
        payload = random_json(self.rng)
        if self.rng.random() < 0.5:
            payload = {"session_id": random_json(self.rng), "message": random_json(self.rng)}

        def emit() -> Answer:
            self.client.emit(event, payload)
            if not self.client.connected:
                raise ConnectionError("the socket.io connection was closed")
            return 200, b"", b""

        return Shot(emit)
