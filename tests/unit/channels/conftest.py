"""Channel unit tests: a migrated SQLite database and the fake provider API per test."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from bot.bookings.db import dispose_engines, upgrade_database
from bot.channels.store import ChannelStore
from tests.support.fake_providers import FakeProviderApi


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'channels.db'}"


@pytest.fixture
def store(db_url: str) -> Iterator[ChannelStore]:
    upgrade_database(db_url)
    yield ChannelStore(db_url)
    dispose_engines()


@pytest.fixture
def fake_api() -> Iterator[FakeProviderApi]:
    api = FakeProviderApi().start()
    yield api
    api.stop()
