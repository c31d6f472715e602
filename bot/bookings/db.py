"""Database connection for booking requests: one engine per URL, short sessions.

The URL comes from ``$PIT_DATABASE_URL``, else ``booking.database_url`` in
clinic.yml, else a SQLite file ``var/pit.db`` in the project. Every unit of work
opens its own session through :func:`session_scope` and closes it at once.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Dict, Iterator, Optional

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import PROJECT_ROOT, ClinicSettings, SettingsError, load_settings

if TYPE_CHECKING:
    from alembic.config import Config

DEFAULT_DB_PATH = PROJECT_ROOT / "var" / "pit.db"
ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
SQLITE_BUSY_TIMEOUT_S = 15
# A database host that does not answer at all (not even "refused") must not keep a patient
# waiting: after this long the request goes to the spool (bot.bookings.spool).
POSTGRES_CONNECT_TIMEOUT_S = 10
ENGINE_LOGGING_NAME = "pit_bookings"
logging.getLogger(f"sqlalchemy.engine.Engine.{ENGINE_LOGGING_NAME}").setLevel(logging.WARNING)

_engines: Dict[str, Engine] = {}
_engines_lock = threading.Lock()


class DatabaseError(RuntimeError):
    """The booking database cannot be reached or its URL is wrong."""


def default_database_url() -> str:
    return f"sqlite:///{DEFAULT_DB_PATH}"


def database_url(settings: Optional[ClinicSettings] = None) -> str:
    """The URL in use: ``$PIT_DATABASE_URL`` > ``booking.database_url`` > ``var/pit.db``."""
    from bot.bookings.config import parse_booking_config

    settings = settings or load_settings()
    return parse_booking_config(settings).effective_database_url() or default_database_url()


def safe_url(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable database URL>"


def _prepare_sqlite_file(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
    cursor.close()


def make_engine(url: str) -> Engine:
    """A new engine (SQLite: WAL, foreign keys, busy timeout; folder created)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseError(
            "the booking database URL is not valid (expected e.g. sqlite:///var/pit.db "
            "or postgresql://user@host/dbname)"
        ) from None
    backend = parsed.get_backend_name()
    # Bound values and result rows are patients' personal details: error texts and
    # SQL logging never show values, and our engines' logger stays at WARNING even
    # when the application turns the root logger up to DEBUG (which would log rows).
    private = {"future": True, "hide_parameters": True, "logging_name": ENGINE_LOGGING_NAME}
    try:
        if backend != "sqlite":
            connect_args = {}
            if backend == "postgresql" and "connect_timeout" not in parsed.query:
                connect_args["connect_timeout"] = POSTGRES_CONNECT_TIMEOUT_S
            return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **private)
        _prepare_sqlite_file(url)
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
            **private,
        )
    except (NoSuchModuleError, ImportError, ArgumentError):
        raise DatabaseError(
            f"the booking database URL names '{backend}', which this installation cannot use "
            "(supported: sqlite, postgresql)"
        ) from None
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def get_engine(url: Optional[str] = None) -> Engine:
    """The shared engine for ``url`` (default: :func:`database_url`), made once."""
    url = url or database_url()
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = make_engine(url)
        return engine


def dispose_engines() -> None:
    """Close every shared engine (tests, and a clean shutdown)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def session_factory(url: Optional[str] = None, engine: Optional[Engine] = None) -> sessionmaker:
    """A session maker; objects stay readable after their session closes."""
    return sessionmaker(bind=engine or get_engine(url), future=True, expire_on_commit=False)


@contextmanager
def session_scope(factory: Optional[sessionmaker] = None) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on error, always close."""
    session: Session = (factory or session_factory())()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str) -> "Config":
    from alembic.config import Config  # imported here: it slows down every start-up

    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Passed as an attribute, not an ini option: URLs may contain '%' (configparser).
    config.attributes["database_url"] = url
    config.attributes["configure_logging"] = False
    return config


def upgrade_database(url: Optional[str] = None, revision: str = "head") -> str:
    """Bring the database schema up to ``revision`` (idempotent); returns the URL used."""
    from alembic import command

    url = url or database_url()
    engine = get_engine(url)
    config = alembic_config(url)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    except SettingsError:
        raise
    except Exception as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[:1]
        raise DatabaseError(
            f"could not prepare the booking database at {safe_url(url)}: "
            f"{type(exc).__name__}: {detail[0][:200] if detail else ''}"
        ) from exc
    return url
