"""Alembic environment for the booking and studio tables.

Uses the same database URL as the assistant (see bot/bookings/db.py). Called two
ways: by `upgrade_database()` (which passes an open connection and keeps the app's
logging untouched), or by the `alembic` command line (which configures logging
from alembic.ini).
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context

from bot.bookings.db import database_url, get_engine
from bot.schema import metadata
from bot.studio.models import studio_metadata

config = context.config
if config.config_file_name and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = [metadata, studio_metadata]


def _url() -> str:
    return config.attributes.get("database_url") or database_url()


def _configure(**kwargs: object) -> None:
    context.configure(
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite needs table copies for most ALTERs
        compare_type=True,
        **kwargs,
    )


def run_migrations_offline() -> None:
    """Print the SQL instead of running it (`alembic upgrade head --sql`)."""
    _configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    with get_engine(_url()).connect() as connection:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
