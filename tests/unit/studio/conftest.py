"""A migrated throw-away SQLite database for each studio test."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy.orm import sessionmaker

from bot.bookings.db import dispose_engines, session_factory, upgrade_database


@pytest.fixture
def factory(tmp_path: Path) -> Iterator[sessionmaker]:
    url = upgrade_database(f"sqlite:///{tmp_path / 'studio.db'}")
    yield session_factory(url)
    dispose_engines()
