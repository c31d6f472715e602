"""PostgreSQL fixtures: each test gets its own throw-away schema in database `test`.

The server is the one on 127.0.0.1:5432 (override with $PIT_TEST_POSTGRES_URL).
Tests are skipped, with the reason, only when that server cannot be reached.
"""

from __future__ import annotations

import os
import uuid
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.bookings.db import dispose_engines
from tests.support.booking_fixtures import *  # noqa: F401,F403 (shared fixtures)
from tests.support.privacy_fixtures import *  # noqa: F401,F403 (shared fixtures)

POSTGRES_URL = os.environ.get("PIT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    import psycopg2

    url = make_url(POSTGRES_URL)
    try:
        psycopg2.connect(
            host=url.host,
            port=url.port or 5432,
            user=url.username,
            password=url.password,
            dbname=url.database,
            connect_timeout=3,
        ).close()
    except psycopg2.OperationalError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        pytest.skip(
            f"PostgreSQL at {url.render_as_string(hide_password=True)} is unreachable: {first_line}"
        )
    return POSTGRES_URL


@pytest.fixture
def db_url(postgres_url: str) -> Iterator[str]:
    """A URL whose search_path is a fresh schema (Alembic and the app both use it)."""
    schema = f"pit_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url, future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(postgres_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        dispose_engines()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def tracker_url(db_url: str) -> str:
    """Rasa's tracker store in the same schema: a PostgreSQL deployment may share one database."""
    return db_url
