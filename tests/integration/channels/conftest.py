"""One real stack for every channel test: all channels on, their APIs at a local fake.

The Rasa server and action server run as `make run` starts them, with the channel
secrets in their environment, ``*_API_BASE`` pointing at :class:`FakeProviderApi`
on loopback, and a throw-away database for dedupe, opt-outs and booking requests.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Iterator, List

import pytest

from bot.bookings.config import DATABASE_URL_ENV
from bot.bookings.db import dispose_engines, upgrade_database
from bot.stack import Stack
from tests.support.channel_clients import channel_env
from tests.support.fake_providers import FakeProviderApi
from tests.support.stack import running_stack


@pytest.fixture(scope="package")
def fake_api() -> Iterator[FakeProviderApi]:
    api = FakeProviderApi().start()
    yield api
    api.stop()


@pytest.fixture(scope="package")
def channel_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('channels') / 'pit.db'}"
    upgrade_database(url)
    yield url
    dispose_engines()


@pytest.fixture(scope="package")
def channel_stack(fake_api: FakeProviderApi, channel_db: str) -> Iterator[Stack]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in channel_env(fake_api.url).items():
            patch.setenv(name, value)
        patch.setenv(DATABASE_URL_ENV, channel_db)
        with running_stack() as started:
            yield started


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
