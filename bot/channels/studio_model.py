"""``/webhooks/studio_model/``: which model the Rasa server runs, and a swap that keeps serving.

Rasa's own ``PUT /model`` loads the new model on the server's event loop, so every patient
waits (or times out) for the seconds it takes. Here the new model is loaded in a worker
thread while the old one keeps answering; only when it is fully loaded does the agent's
message processor change, in one assignment on the event loop. The load runs in the
background: ``POST`` answers 202 at once and ``GET`` says when it is done (and how it
went). A turn already running
keeps the processor it started with, so no request fails and none is answered by half a
model. If loading fails, the old model simply stays.

Only callers holding ``$PIT_STUDIO_MODEL_TOKEN`` (made per run by ``make run``) may ask,
and only model files named like ours (``pit-<fingerprint>.tar.gz``) in the project's
model folders can be loaded: never a path a caller chose.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.model_store import find_model_file, is_model_name
from bot.secret_compare import bearer_matches_env
from bot.untrusted_json import NotJSON, untrusted_json

logger = logging.getLogger(__name__)

TOKEN_ENV = "PIT_STUDIO_MODEL_TOKEN"
MAX_BODY_BYTES = 4096


def _authorized(header: Optional[str]) -> bool:
    return bearer_matches_env(header, TOKEN_ENV)


def find_model(name: str) -> Optional[Path]:
    """The model file called ``name`` in one of the project's model folders, if any."""
    return find_model_file(name) if is_model_name(name) else None


def loaded_model(agent: Any) -> Optional[str]:
    processor = getattr(agent, "processor", None)
    name = getattr(processor, "model_filename", None)
    return os.path.basename(name) if name else None


def _new_processor(agent: Any, path: Path) -> Any:
    """A message processor for ``path`` sharing the agent's stores, endpoints and NLG
    (what ``Agent.load_model`` builds, without touching the live agent)."""
    from rasa.core.processor import MessageProcessor

    return MessageProcessor(
        model_path=str(path),
        tracker_store=agent.tracker_store,
        lock_store=agent.lock_store,
        action_endpoint=agent.action_endpoint,
        generator=agent.nlg,
        http_interpreter=agent.http_interpreter,
    )


def switch_to(agent: Any, processor: Any) -> None:
    """Make ``processor`` the live one, as ``Agent.load_model`` does, in one step."""
    agent.processor = processor
    agent.domain = processor.domain
    agent.tracker_store.domain = processor.domain
    # Our generator keeps the published answers and takes the new domain's responses.
    agent.nlg.responses = processor.domain.responses if processor.domain else {}


class ModelSwap:
    """One load at a time, in the background; the old model answers until the new one is ready.

    The load is not tied to the HTTP request that asked for it: under load it can take
    longer than Sanic lets a request run (60 s), and a request cut off must not throw away
    a model that is half loaded or leave the lock open for a second load beside it. The
    caller polls ``GET`` until ``loading`` is empty, then reads ``model`` and ``last``.
    """

    def __init__(self) -> None:
        self.loading: Optional[str] = None
        self.last: Dict[str, Any] = {}
        self._task: Optional["asyncio.Task[None]"] = None

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self, agent: Any, path: Path) -> None:
        self.loading = path.name
        self._task = asyncio.get_running_loop().create_task(self._load(agent, path))

    async def _load(self, agent: Any, path: Path) -> None:
        started = time.monotonic()
        try:
            loop = asyncio.get_running_loop()
            processor = await loop.run_in_executor(None, _new_processor, agent, path)
            switch_to(agent, processor)
            seconds = round(time.monotonic() - started, 2)
            self.last = {"model": path.name, "seconds": seconds, "error": None}
            logger.info("Now answering with %s (loaded in %.1f s)", path.name, seconds)
        except Exception as error:  # noqa: BLE001 - the old model keeps serving
            logger.exception("Loading %s failed; the old model keeps answering", path.name)
            problem = f"loading failed: {type(error).__name__}: {error}"[:500]
            self.last = {"model": path.name, "seconds": None, "error": problem}
        finally:
            self.loading = None


class StudioModelInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "studio_model"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "StudioModelInput":
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        model_blueprint = Blueprint("studio_model", __name__)
        swap = ModelSwap()

        @model_blueprint.route("/", methods=["GET"])
        async def status(request: Request) -> HTTPResponse:
            if not _authorized(request.headers.get("Authorization")):
                return response.json({"error": "not allowed"}, status=403)
            agent = getattr(request.app.ctx, "agent", None)
            return response.json(
                {"model": loaded_model(agent), "loading": swap.loading, "last": swap.last}
            )

        @model_blueprint.route("/", methods=["POST"])
        async def load(request: Request) -> HTTPResponse:
            if not _authorized(request.headers.get("Authorization")):
                return response.json({"error": "not allowed"}, status=403)
            if len(request.body or b"") > MAX_BODY_BYTES:
                return response.json({"error": "too large"}, status=413)
            try:
                body = untrusted_json(request.body or b"")
            except NotJSON:
                body = None
            name = body.get("model") if isinstance(body, dict) else None
            if not isinstance(name, str) or not is_model_name(name):
                return response.json(
                    {"error": "send {'model': 'pit-<12 hex digits>.tar.gz'}"}, status=400
                )
            path = find_model(name)
            if path is None:
                return response.json({"error": f"no model {name} in the model folders"}, 404)
            agent = getattr(request.app.ctx, "agent", None)
            if agent is None or not agent.is_ready():
                return response.json({"error": "no model loaded"}, status=503)
            if swap.busy:
                return response.json({"error": f"already loading {swap.loading}"}, status=409)
            if loaded_model(agent) == name:
                return response.json({"model": name, "seconds": 0.0})
            swap.start(agent, path)
            return response.json({"loading": name}, status=202)

        return model_blueprint
