"""Booking fixtures shared by the SQLite tests (tests/unit/bookings) and PostgreSQL (tests/scale).

Each conftest supplies ``db_url``; everything else is built on it.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterator

import pytest
from sqlalchemy.orm import sessionmaker

from bot.bookings.db import dispose_engines, session_factory, upgrade_database
from tests.support.booking_data import SECRET, SECRET_ENV
from tests.support.receivers import SmtpSink, WebhookReceiver

__all__ = ["factory", "receiver", "smtp_sink", "webhook_secret", "now"]


@pytest.fixture
def factory(db_url: str) -> Iterator[sessionmaker]:
    """A migrated, empty database for this test."""
    upgrade_database(db_url)
    yield session_factory(db_url)
    dispose_engines()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    """A webhook receiver on a free port, NOT started (start it to bring it 'up')."""
    server = WebhookReceiver()
    yield server
    server.stop()


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """An SMTP server on a free port, NOT started."""
    sink = SmtpSink()
    yield sink
    sink.stop()


@pytest.fixture
def webhook_secret(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    return SECRET


@pytest.fixture
def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)
