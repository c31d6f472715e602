"""The channel store tests (dedupe, opt-outs, offers), again on PostgreSQL.

The very test functions of tests/unit/channels/test_store.py, with ``db_url`` a fresh
PostgreSQL schema (see conftest.py) instead of a SQLite file.
"""

import inspect
from typing import Iterator

import pytest

from bot.bookings.db import upgrade_database
from bot.channels.store import ChannelStore
from tests.unit.channels import test_store

pytestmark = pytest.mark.postgres


@pytest.fixture
def store(db_url: str) -> Iterator[ChannelStore]:
    upgrade_database(db_url)
    yield ChannelStore(db_url)


for _name, _test in vars(test_store).items():
    if _name.startswith("test_") and inspect.isfunction(_test):
        globals()[_name] = _test
