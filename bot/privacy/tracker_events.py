"""Rasa's SQL tracker store, read and written directly: where conversations are kept.

Rasa 3.6 stores one row per event in the table ``events`` (``sender_id``, ``type_name``,
``timestamp`` as seconds since the epoch, ``data`` as the event's JSON). Rasa has no API
to search, export or delete events, so this module does it with SQLAlchemy on the same
table, never importing Rasa (staff commands stay fast). Where the store is comes from
endpoints.yml, the way ``make run`` uses it (bot/stack.py ``write_endpoints``: a SQLite
store lives in the run folder).

A patient's conversations are the ones whose own words, slots or the assistant's replies
contain their phone number or email, the ones whose id is their phone (SMS, WhatsApp), and
the ones their booking requests came from.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Set
from urllib.parse import urlsplit

import yaml
from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    func,
    inspect,
    select,
)
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from bot.environment import run_dir
from bot.privacy.contact import Contact
from bot.settings import PROJECT_ROOT

ENDPOINTS_FILE = PROJECT_ROOT / "endpoints.yml"
TRACKER_FILE = "tracker.db"  # in the run folder, as bot/stack.py writes it for Rasa
# Rasa reads this variable to put its tables in another PostgreSQL schema.
POSTGRESQL_SCHEMA_ENV = "POSTGRESQL_SCHEMA"
# Events in which patients' words or details appear: what they typed, slots the forms
# filled, and the assistant's replies (the booking summary repeats the details).
_SEARCHED_TYPES = ("user", "slot", "bot")
_IN_CHUNK = 500  # ids per IN (...) clause
_ENV_VAR_RE = re.compile(r"\$\{([^}]+)\}")
SQLITE_BUSY_TIMEOUT_S = 15

# Rasa's SQL tracker store, and ours (bot/tracker_store.py: same table, same rows).
SQL_TRACKER_STORES = ("sql", "bot.tracker_store.streamingsqltrackerstore")

# The table as Rasa 3.6 defines it (rasa/core/tracker_store.py, SQLTrackerStore.SQLEvent).
events_metadata = MetaData()
EVENTS = Table(
    "events",
    events_metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


class TrackerStoreError(RuntimeError):
    """The tracker store is of a kind this module cannot reach, or its settings are wrong."""


def _expand(value: Any, environ: Mapping[str, str]) -> Any:
    """``${NAME}`` from the environment, as Rasa does when it reads endpoints.yml."""
    if isinstance(value, str):
        return _ENV_VAR_RE.sub(lambda m: environ.get(m.group(1), m.group(0)), value)
    return value


def tracker_store_url(
    endpoints: Path = ENDPOINTS_FILE,
    folder: Optional[Path] = None,
    environ: Optional[Mapping[str, str]] = None,
) -> Optional[str]:
    """The SQLAlchemy URL of the conversations; None when none are kept on disk.

    None: Rasa keeps them in memory only, or the SQLite file does not exist yet (the
    assistant never ran here). SQLite: ``tracker.db`` in the run folder (``$PIT_RUN_DIR``
    or var/run), as ``make run`` writes it. Other SQL databases: built from the keys Rasa
    reads (``dialect``, ``url``, ``port``, ``db``, ``username``, ``password``, ``query``).
    """
    environ = os.environ if environ is None else environ
    try:
        config = yaml.safe_load(endpoints.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise TrackerStoreError(f"cannot read {endpoints}: {type(error).__name__}") from None
    store = config.get("tracker_store") if isinstance(config, Mapping) else None
    if not store:
        return None  # Rasa's default: in memory, nothing kept after a restart
    store = {key: _expand(value, environ) for key, value in dict(store).items()}
    kind = str(store.get("type") or "").strip()
    if kind.lower() not in SQL_TRACKER_STORES:
        raise TrackerStoreError(
            f"the tracker store in {endpoints.name} is of type '{kind}'; only Rasa's SQL "
            "tracker store can be searched and erased (see README, Privacy)"
        )
    sqlite_file = (folder or run_dir()) / TRACKER_FILE
    return sql_url(store, sqlite_file, environ)


def sql_url(
    store: Mapping[str, Any], sqlite_file: Path, environ: Mapping[str, str]
) -> Optional[str]:
    """The SQLAlchemy URL of a Rasa SQL store's settings (tracker store, event broker).

    SQLite: ``sqlite_file`` (None if it does not exist yet). Other databases: built from
    the keys Rasa reads (``dialect``, ``url``, ``port``, ``db``, ``username``, ``password``,
    ``query``), ``${VAR}`` already expanded.
    """
    dialect = str(store.get("dialect") or "sqlite")
    if dialect.startswith("sqlite"):
        return f"sqlite:///{sqlite_file}" if sqlite_file.is_file() else None
    host = str(store.get("url") or "") or None
    if host and "://" in host:
        return host
    query = dict(store.get("query") or {})
    schema = environ.get(POSTGRESQL_SCHEMA_ENV)
    if schema and dialect.startswith("postgres"):
        query.setdefault("options", f"-csearch_path={schema}")
    port = store.get("port")
    if host:  # "host:port" is allowed, as in Rasa
        parsed = urlsplit(f"scheme://{host}")
        port = parsed.port or port
        host = parsed.hostname or host
    url = URL.create(
        dialect,
        username=store.get("username"),
        password=store.get("password"),
        host=host,
        port=int(port) if port else None,
        database=store.get("db"),
        query=query,
    )
    return url.render_as_string(hide_password=False)


def private_engine(url: str, name: str) -> Engine:
    """An engine on a database Rasa writes to (tracker store, event queue). Values are never
    logged: they are patients' words. SQLite waits for Rasa's lock instead of failing."""
    private = {"future": True, "hide_parameters": True, "logging_name": name}
    if url.startswith("sqlite"):
        return create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S}, **private)
    return create_engine(url, pool_pre_ping=True, **private)


def open_tracker(url: str) -> Engine:
    """An engine on the tracker store. Values are never logged (they are patients' words)."""
    try:
        return private_engine(url, "pit_tracker")
    except (ArgumentError, NoSuchModuleError, ImportError):
        raise TrackerStoreError(
            "the tracker store's database settings in endpoints.yml are not usable"
        ) from None


def has_events(connection: Connection) -> bool:
    """False before Rasa first started on this database (no table yet: nothing stored)."""
    return bool(inspect(connection).has_table(EVENTS.name))


def iso(timestamp: Optional[float]) -> Optional[str]:
    if timestamp is None:
        return None
    moment = datetime.fromtimestamp(timestamp, tz=timezone.utc)
    return moment.isoformat().replace("+00:00", "Z")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def _searched_text(type_name: str, data: Mapping[str, Any]) -> Iterator[str]:
    if type_name == "slot":
        yield from _strings(data.get("value"))
    else:  # user and bot: the text, and what the channel attached (e.g. the sender's phone)
        yield from _strings(data.get("text"))
        yield from _strings(data.get("metadata"))


def _load(data: Optional[str]) -> Dict[str, Any]:
    try:
        loaded = json.loads(data or "{}")
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def find_conversations(
    connection: Connection, contact: Contact, known: Iterable[str] = ()
) -> Dict[str, List[str]]:
    """The patient's conversations: sender id -> why it matched (sorted).

    ``known`` are sender ids from the patient's booking requests; they count only if the
    tracker store still has them.
    """
    if not has_events(connection):
        return {}
    reasons: Dict[str, Set[str]] = {}
    known = set(known)
    senders = connection.execute(select(EVENTS.c.sender_id).distinct()).scalars()
    for sender_id in senders:
        if sender_id in known:
            reasons.setdefault(sender_id, set()).add("booking request")
        if contact.is_sender(sender_id):
            reasons.setdefault(sender_id, set()).add("conversation id")
    rows = connection.execution_options(stream_results=True, yield_per=1000).execute(
        select(EVENTS.c.sender_id, EVENTS.c.type_name, EVENTS.c.data).where(
            EVENTS.c.type_name.in_(_SEARCHED_TYPES)
        )
    )
    for sender_id, type_name, data in rows:
        if "contact" in reasons.get(sender_id, ()):
            continue
        if any(contact.mentioned_in(text) for text in _searched_text(type_name, _load(data))):
            reasons.setdefault(sender_id, set()).add("contact")
    return {sender: sorted(why) for sender, why in sorted(reasons.items())}


def in_chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """``items`` a few hundred at a time, for ``IN (...)`` clauses every database accepts."""
    for start in range(0, len(items), _IN_CHUNK):
        yield items[start : start + _IN_CHUNK]


def conversation_events(
    connection: Connection, sender_ids: Iterable[str]
) -> Dict[str, List[Dict[str, Any]]]:
    """Every event of these conversations, in the order Rasa wrote them."""
    found: Dict[str, List[Dict[str, Any]]] = {}
    ids = sorted(set(sender_ids))
    if not ids or not has_events(connection):
        return found
    for chunk in in_chunks(ids):
        rows = connection.execute(
            select(EVENTS.c.sender_id, EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.data)
            .where(EVENTS.c.sender_id.in_(chunk))
            .order_by(EVENTS.c.sender_id, EVENTS.c.id)
        )
        for sender_id, type_name, timestamp, data in rows:
            found.setdefault(sender_id, []).append(
                {"type": type_name, "at": iso(timestamp), "data": _load(data)}
            )
    return found


def count_events(connection: Connection, sender_ids: Iterable[str]) -> int:
    ids = sorted(set(sender_ids))
    if not ids or not has_events(connection):
        return 0
    return sum(
        int(
            connection.execute(
                select(func.count()).select_from(EVENTS).where(EVENTS.c.sender_id.in_(chunk))
            ).scalar_one()
        )
        for chunk in in_chunks(ids)
    )


def delete_conversations(connection: Connection, sender_ids: Iterable[str]) -> int:
    """Delete every event of these conversations; returns how many events went."""
    ids = sorted(set(sender_ids))
    if not ids or not has_events(connection):
        return 0
    return sum(
        int(connection.execute(delete(EVENTS).where(EVENTS.c.sender_id.in_(chunk))).rowcount)
        for chunk in in_chunks(ids)
    )


def expired(connection: Connection, cutoff: datetime) -> Dict[str, int]:
    """How many events (and conversations) have events older than ``cutoff``."""
    if not has_events(connection):
        return {"events": 0, "conversations": 0}
    old = EVENTS.c.timestamp < cutoff.timestamp()
    events, conversations = connection.execute(
        select(func.count(), func.count(EVENTS.c.sender_id.distinct())).where(old)
    ).one()
    return {"events": int(events), "conversations": int(conversations)}


def purge_older_than(connection: Connection, cutoff: datetime) -> int:
    """Delete every event written before ``cutoff``; returns how many."""
    if not has_events(connection):
        return 0
    result = connection.execute(delete(EVENTS).where(EVENTS.c.timestamp < cutoff.timestamp()))
    return int(result.rowcount or 0)
