"""Shared fixtures. The `stack` fixture runs the real servers once per test session."""

from __future__ import annotations

import secrets
from typing import Iterator

import pytest

from bot.bookings.config import DATABASE_URL_ENV
from bot.bookings.spool import SPOOL_DIR_ENV
from bot.stack import Stack  # importing bot sets the environment defaults (bot/environment.py)
from bot.studio.app import SECRET_KEY_ENV
from tests.support.rest import RestChat
from tests.support.stack import running_stack


@pytest.fixture(scope="session", autouse=True)
def booking_spool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Requests kept while a database is down go to a throw-away folder, never to var/
    (and a developer's spooled requests never drain into a test database)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SPOOL_DIR_ENV, str(tmp_path_factory.mktemp("spool")))
        yield


@pytest.fixture(scope="session")
def stack_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The shared stack's own database (bookings, channels, studio): never var/pit.db."""
    return f"sqlite:///{tmp_path_factory.mktemp('stack') / 'pit.db'}"


@pytest.fixture(scope="session")
def stack(stack_database: str) -> Iterator[Stack]:
    """Action server + Rasa server (+ web page) with the model for the current data.
    Its processes use a throw-away database and studio key, so tests (the fuzz tests of
    the action server and the studio among them) never write to the developer's var/."""
    env = {DATABASE_URL_ENV: stack_database, SECRET_KEY_ENV: secrets.token_urlsafe(32)}
    with running_stack(with_web=True, extra_env=env) as started:
        yield started


@pytest.fixture
def chat(stack: Stack) -> RestChat:
    """A new REST conversation (fresh sender id) against the running stack."""
    return RestChat(stack.rest_url)
