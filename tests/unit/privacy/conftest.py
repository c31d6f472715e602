"""Privacy tests on SQLite: the assistant's database and Rasa's tracker store in temp files.

tests/scale repeats the database tests on PostgreSQL with the same fixtures' names.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.booking_fixtures import *  # noqa: F401,F403 (shared fixtures)
from tests.support.privacy_fixtures import *  # noqa: F401,F403 (shared fixtures)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'pit.db'}"


@pytest.fixture
def tracker_url(tmp_path: Path) -> str:
    """A separate SQLite file, as `make run` keeps conversations (var/run/tracker.db)."""
    return f"sqlite:///{tmp_path / 'tracker.db'}"
