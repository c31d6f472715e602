"""Counting hooks for bench/profile_message.py: run a server with them, product code unchanged.

    python bench/profile_hooks.py EVENTS_FILE rasa run ...     # the Rasa server
    python bench/profile_hooks.py EVENTS_FILE bot actions ...  # the action server

Before handing over to ``python -m rasa`` / ``python -m bot`` in the same process (so
py-spy samples the real server), this wraps a few methods from outside and appends one
JSON line per event to EVENTS_FILE: each SQL statement and commit (which database, which
thread), each tracker-store read and write, each custom-action call on both sides (name,
wall ms, request bytes, events sent), each NLG call. The profiler client reads the lines
written while one message was handled, so it can count per message. Cost: one small
``os.write`` per event, which shows up in the profile under this file.
"""

from __future__ import annotations

import functools
import json
import os
import re
import runpy
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict

_FD = -1
_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)", re.IGNORECASE)


def emit(kind: str, **fields: Any) -> None:
    fields["k"] = kind
    fields["th"] = threading.current_thread().name
    os.write(_FD, (json.dumps(fields) + "\n").encode())


def _timed_async(owner: type, name: str, kind: str, describe: Callable[..., Dict]) -> None:
    original = getattr(owner, name)

    @functools.wraps(original)
    async def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await original(self, *args, **kwargs)
        finally:
            ms = (time.perf_counter() - started) * 1000
            emit(kind, ms=round(ms, 2), **describe(self, *args, **kwargs))

    setattr(owner, name, wrapper)


def _sql_hooks() -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    def database(conn: Any) -> str:
        return Path(str(conn.engine.url.database or conn.engine.url)).name

    @event.listens_for(Engine, "before_cursor_execute")
    def statement(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        verb = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else "?"
        table = _TABLE.search(sql)
        emit("sql", db=database(conn), verb=verb, table=table.group(1) if table else "")

    @event.listens_for(Engine, "commit")
    def commit(conn: Any) -> None:
        emit("commit", db=database(conn))


def rasa_hooks() -> None:
    from rasa.core.actions.action import RemoteAction
    from rasa.core.tracker_store import SQLTrackerStore

    from bot.content.live_nlg import PublishedAnswersGenerator

    _sql_hooks()
    _timed_async(
        SQLTrackerStore,
        "retrieve",
        "ts.retrieve",
        lambda self, sender_id: {},
    )
    _timed_async(
        SQLTrackerStore,
        "retrieve_full_tracker",
        "ts.retrieve_full",
        lambda self, sender_id: {},
    )
    _timed_async(
        SQLTrackerStore,
        "save",
        "ts.save",
        lambda self, tracker: {"events": len(tracker.events)},
    )
    _timed_async(
        RemoteAction,
        "run",
        "action",
        lambda self, *a, **k: {"name": self.name()},
    )
    _timed_async(
        PublishedAnswersGenerator,
        "generate",
        "nlg",
        lambda self, response, *a, **k: {"name": response},
    )


def action_server_hooks() -> None:
    from rasa_sdk.executor import ActionExecutor
    from sanic.request import Request

    import bot.action_server as action_server

    _sql_hooks()

    def describe(self: Any, call: Dict[str, Any]) -> Dict[str, Any]:
        tracker = call.get("tracker") or {}
        return {
            "name": call.get("next_action"),
            "events": len(tracker.get("events") or []),
            "domain": "domain" in call,
        }

    _timed_async(ActionExecutor, "run", "sdk.action", describe)
    original_create_app = action_server.create_app

    def create_app(*args: Any, **kwargs: Any) -> Any:
        app = original_create_app(*args, **kwargs)

        @app.on_request
        async def body_size(request: Request) -> None:
            if request.path == "/webhook":
                emit("sdk.body", bytes=len(request.body or b""))

        return app

    action_server.create_app = create_app  # bot.action_server.run looks it up at call time


def main() -> None:
    global _FD
    events_file, module, *argv = sys.argv[1:]
    _FD = os.open(events_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    here = str(Path(__file__).resolve().parent)
    sys.path[:] = [p for p in sys.path if p != here]  # bench/ is not a package root
    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    # Importing bot applies our defaults before Rasa imports TensorFlow, as bot.rasa_main does.
    from bot.environment import RASA_MAIN_MODULE

    if module in ("rasa", RASA_MAIN_MODULE):
        rasa_hooks()
    elif module == "bot" and argv[:1] == ["actions"]:
        action_server_hooks()
    else:
        raise SystemExit(f"unknown server: {module} {argv[:1]}")
    sys.argv = [module, *argv]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
