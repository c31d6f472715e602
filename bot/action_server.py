"""The custom-action server, started by us instead of `rasa run actions`.

Why not rasa-sdk's own command: it binds every interface (0.0.0.0) and runs any action
for anyone who can reach it, so one crafted POST could store a booking request for a
person who never chatted. Here the server binds 127.0.0.1 unless told otherwise, and
every call except the health check must carry the shared secret that the Rasa server
sends (``Authorization: Bearer <secret>``, set under ``action_endpoint.headers`` in
endpoints.yml). A missing or wrong secret gets 401 before any action code runs.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
from typing import Any, Dict, Mapping, MutableMapping, Optional

from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.secret_compare import secret_matches
from bot.untrusted_json import NotJSON, untrusted_json

TOKEN_ENV = "PIT_ACTION_SERVER_TOKEN"
HOST_ENV = "PIT_ACTIONS_HOST"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5055
MIN_TOKEN_LENGTH = 16
# What Rasa puts in endpoints.yml: the secret itself stays in the environment, never on disk.
AUTH_HEADER = "Authorization"
AUTH_HEADER_TEMPLATE = "Bearer ${" + TOKEN_ENV + "}"
# A long conversation's tracker is well under this; anything larger is not from Rasa.
MAX_REQUEST_BYTES = 5 * 1024 * 1024
OPEN_PATHS = frozenset({"/health"})  # tells nothing and runs nothing: used by start-up checks

logger = logging.getLogger(__name__)


class TokenError(ValueError):
    """The shared secret is missing or too short to protect anything."""


def new_token() -> str:
    return secrets.token_urlsafe(32)


def ensure_token(env: MutableMapping[str, str]) -> str:
    """The secret in ``env``; a fresh random one is put there when none is set (per run)."""
    if not env.get(TOKEN_ENV):
        env[TOKEN_ENV] = new_token()
    return env[TOKEN_ENV]


def required_token(env: Mapping[str, str]) -> str:
    """The secret the server checks; refusing to start without one keeps the default safe."""
    token = env.get(TOKEN_ENV, "")
    if len(token) < MIN_TOKEN_LENGTH:
        raise TokenError(
            f"set {TOKEN_ENV} to a random secret of at least {MIN_TOKEN_LENGTH} characters "
            "(`make run` generates one); the Rasa server sends it as "
            f"'{AUTH_HEADER}: Bearer <secret>' (endpoints.yml, action_endpoint.headers)"
        )
    return token


# Rasa's endpoints.yml key (rasa.core.actions.action.SELECTIVE_DOMAIN): without it the whole
# domain (about 40 KB of JSON) goes with every action call.
SELECTIVE_DOMAIN_KEY = "enable_selective_domain"


def endpoint_config(url: str) -> Dict[str, Any]:
    """The ``action_endpoint`` section for endpoints.yml (Rasa expands ``${...}`` itself).

    The domain goes only to actions domain.yml marks ``send_domain: true``."""
    return {
        "url": url,
        "headers": {AUTH_HEADER: AUTH_HEADER_TEMPLATE},
        SELECTIVE_DOMAIN_KEY: True,
    }


def is_authorized(header: Optional[str], token: str) -> bool:
    """Constant-time check of an ``Authorization: Bearer <secret>`` header."""
    scheme, _, presented = (header or "").partition(" ")
    # The comparison runs on every call (also for a wrong scheme) so timing tells nothing.
    matches = secret_matches(presented.strip(), token)
    return matches and scheme.lower() == "bearer"


def _error(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status)


def _optional(value: Any, kind: type) -> bool:
    return value is None or isinstance(value, kind)


def _is_parse(value: Any) -> bool:
    """A parsed message as Rasa records it (or none): ``intent`` a mapping, ``entities`` a list."""
    if value is None:
        return True
    return (
        isinstance(value, dict)
        and _optional(value.get("intent"), dict)
        and _optional(value.get("entities"), list)
    )


def _is_tracker(tracker: Any) -> bool:
    """The tracker fields our actions and rasa-sdk read, with the types Rasa sends them in
    (``DialogueStateTracker.current_state``). Fuzzing sent a list for ``slots`` or a number
    for ``events`` with the right secret; rasa-sdk then failed inside the action (HTTP 500)."""
    if not isinstance(tracker, dict) or not isinstance(tracker.get("sender_id"), str):
        return False
    events = tracker.get("events")
    return (
        _optional(tracker.get("slots"), dict)
        and _optional(tracker.get("active_loop"), dict)
        and _is_parse(tracker.get("latest_message"))
        and _optional(events, list)
        and all(
            isinstance(e, dict)
            and isinstance(e.get("event"), str)
            and _is_parse(e.get("parse_data"))
            for e in events or []
        )
    )


def _is_action_call(body: Any) -> bool:
    """The shape Rasa sends: without it rasa-sdk fails deep inside with a stack trace."""
    return (
        isinstance(body, dict)
        and isinstance(body.get("next_action"), str)
        and _is_tracker(body.get("tracker"))
        and isinstance(body.get("domain", {}), dict)
    )


KEEP_ALIVE_SECONDS = 75


def create_app(token: str, actions_package: str = "actions") -> Sanic:
    """rasa-sdk's app with authentication, input checks and errors that reveal nothing."""
    from rasa_sdk.endpoint import create_app as create_sdk_app

    app = create_sdk_app(actions_package, cors_origins=None)
    app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES
    # Sanic closes a connection that has sent no request for KEEP_ALIVE_TIMEOUT (5 s by
    # default), and a new one counts as idle until its first bytes. The Rasa server opens a
    # connection per action call; when it stalled for over 5 s between connecting and
    # writing (a model loading beside the live one, a busy machine), its call went into a
    # closed connection ("Cannot write to closing transport") and the patient got an answer
    # without that action. Loopback only: waiting longer costs nothing.
    app.config.KEEP_ALIVE_TIMEOUT = KEEP_ALIVE_SECONDS

    @app.on_request
    async def authenticate(request: Request) -> Optional[HTTPResponse]:
        if request.path in OPEN_PATHS:
            return None
        if not is_authorized(request.headers.get(AUTH_HEADER), token):
            logger.warning("refused an unauthenticated call to %s", request.path)
            return _error(401, "unauthorized")
        if request.path == "/webhook" and request.method == "POST":
            if request.headers.get("Content-Encoding") == "deflate":
                return None  # rasa-sdk inflates it; a bad stream is caught below
            try:
                body = untrusted_json(request.body or b"null")
            except NotJSON:
                return _error(400, "the body is not JSON")
            if not _is_action_call(body):
                return _error(400, "not an action call")
        return None

    @app.exception(Exception)
    async def hide_errors(request: Request, exception: Exception) -> HTTPResponse:
        # rasa-sdk's own handler echoes the request body and the exception text back.
        if isinstance(exception, SanicException):
            status = int(getattr(exception, "status_code", 500) or 500)
            return _error(status, "bad request" if status < 500 else "server error")
        logger.error("action call failed", exc_info=exception)
        return _error(500, "the action failed; see the action server log")

    return app


def run(host: str, port: int, actions_package: str = "actions") -> None:
    from rasa_sdk import utils
    from rasa_sdk.plugin import plugin_manager

    token = required_token(os.environ)
    utils.configure_colored_logging("INFO")
    utils.update_sanic_log_level()
    app = create_app(token, actions_package)
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    logger.info("Action server on http://%s:%s (shared secret required)", host, port)
    app.run(host, port, workers=1, access_log=False)


def _serve(args: argparse.Namespace) -> int:
    try:
        run(args.host, args.port, args.actions)
    except TokenError as error:
        print(f"The action server cannot start: {error}")
        return 1
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "actions", help="run the custom-action server (loopback, shared secret required)"
    )
    p.add_argument(
        "--host",
        default=os.environ.get(HOST_ENV) or DEFAULT_HOST,
        help=f"interface to bind (default {DEFAULT_HOST}, or ${HOST_ENV}); "
        "bind elsewhere only on a private network",
    )
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument("--actions", default="actions", help="package with the custom actions")
    p.set_defaults(handler=_serve)
