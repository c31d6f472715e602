"""Alembic migrations: upgrade an empty database, match the models, go back down.

Database-neutral where it takes ``db_url``: tests/scale runs these on PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from bot.bookings.db import (
    DatabaseError,
    alembic_config,
    dispose_engines,
    get_engine,
    make_engine,
    upgrade_database,
)
from bot.schema import metadata
from bot.settings import PROJECT_ROOT
from bot.studio.models import studio_metadata

TABLES = {
    "booking_requests",
    "booking_deliveries",
    "staff_users",
    "staff_sessions",
    "audit_log",
    "alembic_version",
}


def _head(url: str) -> str:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def test_upgrade_head_on_an_empty_database(db_url):
    try:
        upgrade_database(db_url)
        engine = get_engine(db_url)
        assert TABLES <= set(inspect(engine).get_table_names())
        with engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() == _head(db_url)
        upgrade_database(db_url)  # running it again changes nothing
    finally:
        dispose_engines()


def test_migrations_match_models(db_url):
    try:
        upgrade_database(db_url)
        with get_engine(db_url).connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, [metadata, studio_metadata]) == []
    finally:
        dispose_engines()


def test_downgrade_to_base_removes_the_tables(db_url):
    try:
        upgrade_database(db_url)
        engine = get_engine(db_url)
        with engine.begin() as connection:
            config = alembic_config(db_url)
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        assert not (TABLES - {"alembic_version"}) & set(inspect(engine).get_table_names())
    finally:
        dispose_engines()


def test_sqlite_file_gets_its_folder_wal_and_foreign_keys(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'nested' / 'deeper' / 'pit.db'}"
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert (tmp_path / "nested" / "deeper").is_dir()
    finally:
        engine.dispose()


def test_alembic_command_line_uses_the_same_database_url(tmp_path: Path):
    db = tmp_path / "cli.db"
    env = dict(os.environ, PIT_DATABASE_URL=f"sqlite:///{db}")
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    engine = make_engine(f"sqlite:///{db}")
    try:
        assert TABLES <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_unreachable_database_is_a_clear_error_without_the_password():
    url = "postgresql://pit:topsecret@127.0.0.1:1/nowhere"
    with pytest.raises(DatabaseError) as caught:
        upgrade_database(url)
    message = str(caught.value)
    assert "could not prepare the booking database" in message and "127.0.0.1:1" in message
    assert "topsecret" not in message
    dispose_engines()


@pytest.mark.parametrize("url", ["not a url", "nosuchdb://x/y", ""])
def test_malformed_database_url_is_a_clear_error(url):
    with pytest.raises(DatabaseError):
        make_engine(url)


def test_requests_stored_before_references_existed_get_unique_codes(db_url):
    """Upgrading a clinic's database from 0001 keeps every request and gives each a code."""
    from bot.bookings.references import normalise_reference

    try:
        upgrade_database(db_url, revision="0001_booking_tables")
        engine = get_engine(db_url)
        with engine.begin() as connection:
            for n in range(3):
                connection.execute(
                    text(
                        "INSERT INTO booking_requests (kind, status, name, phone, consent_at,"
                        " channel, created_at, updated_at) VALUES ('booking', 'new', :name,"
                        " '+12025550123', CURRENT_TIMESTAMP, 'rest', CURRENT_TIMESTAMP,"
                        " CURRENT_TIMESTAMP)"
                    ),
                    {"name": f"patient {n}"},
                )
        upgrade_database(db_url)
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT name, reference FROM booking_requests")).all()
        assert sorted(name for name, _ in rows) == ["patient 0", "patient 1", "patient 2"]
        codes = [code for _, code in rows]
        assert len(set(codes)) == 3 and all(normalise_reference(c) == c for c in codes)
    finally:
        dispose_engines()
