"""`python -m bot db prepare-shared`, what the chart's hook Job runs before the servers start,
on the machine's real PostgreSQL (a throw-away database, dropped afterwards)."""

from __future__ import annotations

import os
import subprocess
import uuid

import pytest
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url

from bot.bookings.config import DATABASE_URL_ENV
from bot.cluster.database import drop_database
from tests.support.cli import run_bot
from tests.support.cluster_services import POSTGRES_URL, unreachable

pytestmark = pytest.mark.skipif(
    unreachable("127.0.0.1", 5432), reason="PostgreSQL does not answer on 127.0.0.1:5432"
)


def prepare(url: str) -> subprocess.CompletedProcess:
    """The real command, as the chart's hook Job runs it."""
    env = {**os.environ, DATABASE_URL_ENV: url}
    return run_bot(["db", "prepare-shared"], env, real_process=True)


def test_creates_the_database_its_tables_and_rasas_events_table_twice_safely() -> None:
    url = make_url(POSTGRES_URL).set(database=f"pit_prepare_{uuid.uuid4().hex[:10]}")
    text_url = url.render_as_string(hide_password=False)
    try:
        for _ in range(2):  # an upgrade runs it again on a prepared database
            done = prepare(text_url)
            assert done.returncode == 0, done.stdout + done.stderr
            assert "Shared database is ready" in done.stdout
        engine = create_engine(text_url)
        try:
            tables = set(inspect(engine).get_table_names())
        finally:
            engine.dispose()
        assert {"events", "alembic_version", "booking_requests"} <= tables, tables
    finally:
        drop_database(text_url)


def test_refuses_a_database_that_several_servers_cannot_share(tmp_path) -> None:
    done = prepare(f"sqlite:///{tmp_path / 'one.db'}")
    assert done.returncode == 1
    assert "postgresql://" in (done.stdout + done.stderr)
    assert "Traceback" not in done.stderr
