"""What WhatsApp Cloud API and Messenger share: Meta's request signature and handshake.

``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, keyed with the app
secret>``; the subscription handshake is a GET whose ``hub.verify_token`` must equal
ours, answered by echoing ``hub.challenge``.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, Dict, Mapping

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.registry import DEFAULT_GRAPH_API_BASE, META_GRAPH_API_BASE_ENV, env_value
from bot.channels.webhook import BadPayloadError, json_object
from bot.secret_compare import secret_matches

SIGNATURE_HEADER = "X-Hub-Signature-256"


def meta_signature_ok(app_secret: str, body: bytes, header: str) -> bool:
    if not app_secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return secret_matches(header[len("sha256=") :].strip().lower(), expected)


def verify_request(env: Mapping[str, str], request: Request) -> bool:
    return meta_signature_ok(
        env_value(env, "META_APP_SECRET"),
        request.body or b"",
        request.headers.get(SIGNATURE_HEADER) or "",
    )


def handshake(env: Mapping[str, str], request: Request) -> HTTPResponse:
    """Meta's subscription check: echo the challenge when the verify token matches."""
    mode = request.args.get("hub.mode") or ""
    token = request.args.get("hub.verify_token") or ""
    challenge = request.args.get("hub.challenge") or ""
    expected = env_value(env, "META_VERIFY_TOKEN")
    if mode != "subscribe" or not expected or not secret_matches(token, expected):
        return response.text("forbidden", status=403)
    return response.text(challenge)


def json_body(request: Request, expected_object: str) -> Dict[str, Any]:
    """The body as a JSON object whose ``object`` field is ``expected_object``."""
    data = json_object(request.body)
    if data.get("object") != expected_object or not isinstance(data.get("entry"), list):
        raise BadPayloadError(f"expected object '{expected_object}' with an entry list")
    return dict(data)


def graph_base(env: Mapping[str, str]) -> str:
    return env_value(env, META_GRAPH_API_BASE_ENV, DEFAULT_GRAPH_API_BASE).rstrip("/")
