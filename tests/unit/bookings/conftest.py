"""Booking tests run on a fresh SQLite file per test (tests/scale repeats many on PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.booking_fixtures import *  # noqa: F401,F403 (shared fixtures)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'bookings.db'}"
