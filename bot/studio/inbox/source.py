"""Where the inbox reads events: Rasa's SQL event broker (a queue table), or, once, the
tracker store's conversations that happened before the broker was set up.

endpoints.yml's ``event_broker`` is Rasa's own setting. The embedded default is the SQL
broker on a SQLite file in the run folder (``events.db`` next to ``tracker.db``); a
PostgreSQL broker database works the same way. Rows are removed once the inbox has
stored them: the queue holds patients' words, unmasked, only until they are read.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Tuple, Union

import yaml
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, create_engine, delete, select
from sqlalchemy.engine import Engine

from bot.environment import run_dir
from bot.privacy.tracker_events import (
    ENDPOINTS_FILE,
    _expand,
    in_chunks,
    private_engine,
    sql_url,
)
from bot.privacy.tracker_events import (
    EVENTS as TRACKER_EVENTS,
)

logger = logging.getLogger(__name__)

EVENTS_FILE = "events.db"  # in the run folder, as bot/stack.py writes it for Rasa
# Brokers that write Rasa's SQL table: Rasa's own, and ours that writes it in batches.
SQL_BROKERS = ("sql", "bot.studio.inbox.broker.bufferedsqleventbroker")
# RabbitMQ brokers (bot/studio/inbox/pika_consumer.py reads them): Rasa's, and ours that keeps
# up with a busy server (bot/studio/inbox/pika_broker.py); same exchange and messages.
PIKA_BROKERS = ("pika", "bot.studio.inbox.pika_broker.pipelinedpikaeventbroker")
BATCH = 500

_metadata = MetaData()
# Rasa's SQLEventBroker table (rasa/core/brokers/sql.py).
QUEUE = Table(
    "events",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255)),
    Column("data", Text),
)

Event = Tuple[int, str, Optional[Dict[str, Any]]]  # row id, sender id, event (None: unreadable)


class EventSourceError(RuntimeError):
    """The event broker is of a kind the inbox cannot read, or endpoints.yml is unreadable."""


def broker_settings(
    endpoints: Path = ENDPOINTS_FILE, environ: Optional[Mapping[str, str]] = None
) -> Optional[Dict[str, Any]]:
    """endpoints.yml's ``event_broker`` (``${VAR}`` expanded); None if there is none."""
    environ = os.environ if environ is None else environ
    try:
        config = yaml.safe_load(Path(endpoints).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise EventSourceError(f"cannot read {endpoints}: {type(error).__name__}") from None
    broker = config.get("event_broker") if isinstance(config, Mapping) else None
    if not broker:
        return None
    broker = {key: _expand(value, environ) for key, value in dict(broker).items()}
    kind = str(broker.get("type") or "").strip()
    if kind.lower() not in SQL_BROKERS + PIKA_BROKERS:
        raise EventSourceError(
            f"the event broker in {Path(endpoints).name} is of type '{kind}'; the studio's "
            "inbox reads Rasa's SQL and Pika (RabbitMQ) event brokers (see README, Staff studio)"
        )
    return broker


def is_pika(broker: Mapping[str, Any]) -> bool:
    return str(broker.get("type") or "").strip().lower() in PIKA_BROKERS


def broker_url(
    endpoints: Path = ENDPOINTS_FILE,
    folder: Optional[Path] = None,
    environ: Optional[Mapping[str, str]] = None,
) -> Optional[str]:
    """The SQLAlchemy URL of the event broker's queue; None if there is none (yet)."""
    environ = os.environ if environ is None else environ
    broker = broker_settings(endpoints, environ)
    if broker is None or is_pika(broker):
        return None
    return sql_url(broker, (folder or run_dir()) / EVENTS_FILE, environ)


def prepare_queue(path: Path) -> None:
    """Create the SQLite queue in WAL mode before Rasa opens it: the mode stays with the
    file, so Rasa's commits append to a log instead of rewriting pages, and the inbox
    reading the queue never blocks them."""
    engine = create_engine(f"sqlite:///{path}", future=True)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("PRAGMA journal_mode=WAL")
        _metadata.create_all(engine)
    finally:
        engine.dispose()


def open_queue(url: str) -> Engine:
    """An engine on the broker's queue (see :func:`private_engine`)."""
    return private_engine(url, "pit_events")


def load_event(data: Optional[Union[str, bytes]]) -> Optional[Dict[str, Any]]:
    try:
        event = json.loads(data or "")
    except (TypeError, ValueError, RecursionError):
        return None
    return event if isinstance(event, dict) else None


def take(engine: Engine, limit: int = BATCH) -> List[Event]:
    """The oldest ``limit`` queued events. Read ids are never remembered: removed rows'
    ids can be used again by SQLite, so the queue is always read from its start."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(QUEUE.c.id, QUEUE.c.sender_id, QUEUE.c.data).order_by(QUEUE.c.id).limit(limit)
        ).all()
    return [(int(row_id), str(sender or ""), load_event(data)) for row_id, sender, data in rows]


def remove(engine: Engine, ids: Iterable[int]) -> None:
    ids = list(ids)
    with engine.begin() as connection:
        for chunk in in_chunks(ids):
            connection.execute(delete(QUEUE).where(QUEUE.c.id.in_(chunk)))


def tracker_events(connection: Any) -> Iterator[Tuple[str, Dict[str, Any]]]:
    """Every event in Rasa's SQL tracker store, oldest first (a one-off import)."""
    rows = connection.execution_options(stream_results=True, yield_per=1000).execute(
        select(TRACKER_EVENTS.c.sender_id, TRACKER_EVENTS.c.data).order_by(TRACKER_EVENTS.c.id)
    )
    for sender_id, data in rows:
        event = load_event(data)
        if event is not None:
            yield str(sender_id), event
