"""A migrated throw-away SQLite database for each studio test; a copy of the content
and a studio app with one account per role for the answer and topic pages."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy.orm import sessionmaker

from bot.bookings.db import dispose_engines, session_factory, session_scope, upgrade_database
from bot.content.responses import CONTENT_ROOT_ENV
from bot.settings import PROJECT_ROOT
from bot.studio import accounts
from bot.web.app import create_app

PASSWORD = "a long enough passphrase"


@pytest.fixture
def factory(tmp_path: Path) -> Iterator[sessionmaker]:
    url = upgrade_database(f"sqlite:///{tmp_path / 'studio.db'}")
    yield session_factory(url)
    dispose_engines()


@pytest.fixture
def content(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "content"
    root.mkdir()
    shutil.copy(PROJECT_ROOT / "domain.yml", root / "domain.yml")
    shutil.copytree(PROJECT_ROOT / "data", root / "data")
    monkeypatch.setenv(CONTENT_ROOT_ENV, str(root))
    return root


@pytest.fixture
def app(factory, content):
    with session_scope(factory) as work:
        for name, role in (("ed", "editor"), ("pub", "publisher"), ("ada", "admin")):
            accounts.create_user(work, name, role, PASSWORD, "test")
    url = str(factory.kw["bind"].url)
    return create_app(studio={"database_url": url, "secret_key": "s" * 40})


@pytest.fixture
def broker(tmp_path):
    """Rasa's real SQL event broker on a throw-away SQLite queue."""
    from tests.support.inbox_events import Broker

    return Broker(tmp_path / "events.db")
