"""The cluster's PostgreSQL database: created when missing, with every table in place.

The tables are made before any replica starts. Left to the Rasa servers, two replicas
starting at once would both create Rasa's ``events`` table, and one of them fails on
PostgreSQL's catalog; the booking, studio and inbox tables come from our migrations.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Connection, make_url

from bot.bookings.db import dispose_engines, upgrade_database

logger = logging.getLogger(__name__)
MAINTENANCE_DB = "postgres"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@contextlib.contextmanager
def _maintenance(url: URL) -> Iterator[Connection]:
    """A connection to the server's maintenance database (CREATE/DROP DATABASE run there)."""
    admin = create_engine(url.set(database=MAINTENANCE_DB), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            yield connection
    finally:
        admin.dispose()


def create_database(url: URL) -> bool:
    """Create the URL's database if it does not exist; True when it was created."""
    with _maintenance(url) as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
        ).first()
        if exists:
            return False
        connection.execute(text(f"CREATE DATABASE {_quoted(str(url.database))}"))
        return True


def drop_database(database_url: str) -> None:
    """Remove a database (the tests' throw-away ones), closing its other connections."""
    url = make_url(database_url)
    dispose_engines()
    with _maintenance(url) as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": url.database},
        )
        connection.execute(text(f"DROP DATABASE IF EXISTS {_quoted(str(url.database))}"))


def create_tracker_table(url: URL) -> None:
    """Rasa's ``events`` table, made by Rasa's own tracker store class."""
    from rasa.core.tracker_store import SQLTrackerStore

    store = SQLTrackerStore(
        dialect="postgresql",
        host=url.host,
        port=url.port,
        db=str(url.database),
        username=url.username,
        password=url.password,
        query=dict(url.query) or None,
    )
    store.engine.dispose()


def prepare(database_url: str) -> str:
    """Database, migrations and Rasa's table; returns the URL."""
    url = make_url(database_url)
    if not url.get_backend_name().startswith("postgresql"):
        raise ValueError("the cluster keeps conversations in PostgreSQL: give a postgresql:// URL")
    if create_database(url):
        logger.info("created database %s", url.database)
    upgrade_database(database_url)
    dispose_engines()
    create_tracker_table(url)
    return database_url
