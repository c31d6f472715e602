"""Privacy fixtures shared by the SQLite tests (tests/unit/privacy) and PostgreSQL (tests/scale).

Each conftest supplies ``db_url`` and ``tracker_url``; everything else is built on them.
"""

from __future__ import annotations

from typing import Iterator

import pytest
from sqlalchemy.orm import sessionmaker

from bot.privacy.stores import Stores
from bot.privacy.tracker_events import open_tracker

__all__ = ["stores"]


@pytest.fixture
def stores(factory: sessionmaker, tracker_url: str) -> Iterator[Stores]:
    """Both places patients' data lives, as the staff commands open them."""
    opened = Stores(factory, open_tracker(tracker_url))
    yield opened
    opened.close()
