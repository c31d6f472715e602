"""The studio's answer, example and topic pages, and the assistant's live answers, again
on PostgreSQL: the very test functions of tests/unit/studio, with ``factory`` a fresh
PostgreSQL schema (see conftest.py) instead of a SQLite file."""

import inspect

import pytest
from sqlalchemy.orm import sessionmaker

from bot.bookings.db import session_factory, upgrade_database
from tests.unit.studio import test_answer_pages, test_live_nlg, test_topic_pages
from tests.unit.studio.conftest import app, content  # noqa: F401 (fixtures)

pytestmark = pytest.mark.postgres


@pytest.fixture
def factory(db_url: str) -> sessionmaker:
    upgrade_database(db_url)
    return session_factory(db_url)


for _module in (test_answer_pages, test_topic_pages, test_live_nlg):
    for _name, _test in vars(_module).items():
        if _name.startswith("test_") and inspect.isfunction(_test):
            globals()[_name] = _test
