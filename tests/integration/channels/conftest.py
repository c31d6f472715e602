"""The channel tests run on the shared session stack (tests/conftest.py): all channels on,
their APIs at :class:`FakeProviderApi` on loopback, a throw-away database for dedupe,
opt-outs and booking requests."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Iterator, List

import pytest

from bot.bookings.config import DATABASE_URL_ENV
from bot.stack import Stack
from tests.support.channel_clients import channel_env
from tests.support.fake_providers import FakeProviderApi


@pytest.fixture(scope="package", autouse=True)
def channel_environment(fake_api: FakeProviderApi, stack_database: str) -> Iterator[None]:
    """The tests sign and check with the secrets the shared stack was given, and read
    its database."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in channel_env(fake_api.url).items():
            patch.setenv(name, value)
        patch.setenv(DATABASE_URL_ENV, stack_database)
        yield


def tracker_events(stack: Stack, sender_id: str) -> List[str]:
    """Event types Rasa stored for a conversation (empty when it never started)."""
    return stored_event_types(Path(stack.workdir) / "tracker.db", sender_id)


def stored_event_types(database: Path, sender_id: str) -> List[str]:
    """Event types in a tracker database (``tracker.db`` of a stack's or a run's folder)."""
    if not database.exists():
        return []
    with sqlite3.connect(database) as connection:
        try:
            rows = connection.execute(
                "SELECT type_name FROM events WHERE sender_id = ?", (sender_id,)
            ).fetchall()
        except sqlite3.OperationalError:  # no table yet: nothing was ever stored
            return []
    return [row[0] for row in rows]


def user_texts(stack: Stack, sender_id: str) -> List[str]:
    """What Rasa received as the user's text, message by message."""
    import json

    database = Path(stack.workdir) / "tracker.db"
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
            (sender_id,),
        ).fetchall()
    return [json.loads(row[0]).get("text") or "" for row in rows]
