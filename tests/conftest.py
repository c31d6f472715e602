"""Shared fixtures. The `stack` fixture runs the real servers once per test session."""

from __future__ import annotations

from typing import Iterator

import pytest

from bot.bookings.spool import SPOOL_DIR_ENV
from bot.stack import Stack  # importing bot sets the environment defaults (bot/environment.py)
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
def stack() -> Iterator[Stack]:
    """Action server + Rasa server (+ web page) with the model for the current data."""
    with running_stack(with_web=True) as started:
        yield started


@pytest.fixture
def chat(stack: Stack) -> RestChat:
    """A new REST conversation (fresh sender id) against the running stack."""
    return RestChat(stack.rest_url)
