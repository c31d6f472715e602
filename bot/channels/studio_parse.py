"""``POST /webhooks/studio_parse/``: how the live model reads some texts, for the studio.

When staff add example questions, the studio flags any that the live model already sends
to another topic. Rasa's own ``/model/parse`` needs ``--enable-api``, which opens every
API endpoint (``PUT /model`` included); this channel opens only a parse, with no
conversation stored, and only for callers holding ``$PIT_STUDIO_PARSE_TOKEN`` (made
per run by ``make run``; without it every call is refused).
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.evaluation.nlu import predicted_label
from bot.secret_compare import bearer_matches_env
from bot.untrusted_json import NotJSON, untrusted_json

TOKEN_ENV = "PIT_STUDIO_PARSE_TOKEN"
MAX_TEXTS = 100
MAX_TEXT_CHARS = 1000
MAX_BODY_BYTES = 256 * 1024


def _authorized(header: Optional[str]) -> bool:
    return bearer_matches_env(header, TOKEN_ENV)


def _texts(body: Any) -> Optional[List[str]]:
    texts = body.get("texts") if isinstance(body, dict) else None
    if not isinstance(texts, list) or not 0 < len(texts) <= MAX_TEXTS:
        return None
    if not all(isinstance(t, str) and 0 < len(t) <= MAX_TEXT_CHARS for t in texts):
        return None
    return texts


class StudioParseInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "studio_parse"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "StudioParseInput":
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        parse_blueprint = Blueprint("studio_parse", __name__)

        @parse_blueprint.route("/", methods=["POST"])
        async def parse(request: Request) -> HTTPResponse:
            if not _authorized(request.headers.get("Authorization")):
                return response.json({"error": "not allowed"}, status=403)
            if len(request.body or b"") > MAX_BODY_BYTES:
                return response.json({"error": "too large"}, status=413)
            try:
                texts = _texts(untrusted_json(request.body or b""))
            except NotJSON:
                texts = None
            if texts is None:
                return response.json(
                    {"error": f"send {{'texts': [1 to {MAX_TEXTS} non-empty strings]}}"},
                    status=400,
                )
            agent = getattr(request.app.ctx, "agent", None)
            if agent is None or not agent.is_ready():
                return response.json({"error": "no model loaded"}, status=503)
            labels = [predicted_label(await agent.parse_message(text)) for text in texts]
            return response.json({"labels": labels})

        return parse_blueprint
