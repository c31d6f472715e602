"""The buffered event broker: Rasa's SQL table, written off the request path in batches."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import create_engine

from bot.studio.inbox import source
from bot.studio.inbox.broker import BufferedSQLEventBroker


def _rows(path) -> list:
    engine = source.open_queue(f"sqlite:///{path}")
    try:
        return source.take(engine, 10_000)
    finally:
        engine.dispose()


def test_publish_returns_at_once_and_a_flush_writes_every_event_in_order(tmp_path):
    broker = BufferedSQLEventBroker(db=str(tmp_path / "events.db"), flush_seconds=3600)
    for number in range(50):
        broker.publish({"sender_id": "s", "event": "user", "text": f"message {number}"})
    assert _rows(tmp_path / "events.db") == []  # nothing written on the request path
    assert broker.flush() == 50
    rows = _rows(tmp_path / "events.db")
    assert [event["text"] for _, _, event in rows] == [f"message {n}" for n in range(50)]
    assert {sender for _, sender, _ in rows} == {"s"}
    asyncio.run(broker.close())


def test_the_thread_flushes_by_itself_and_close_writes_the_rest(tmp_path):
    broker = BufferedSQLEventBroker(db=str(tmp_path / "events.db"), flush_seconds=0.05)
    broker.publish({"sender_id": "a", "event": "user", "text": "one"})
    deadline = time.monotonic() + 10
    while not _rows(tmp_path / "events.db") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(_rows(tmp_path / "events.db")) == 1
    broker._stop.set()  # the thread stops: only close() can write what comes next
    broker._thread.join()
    broker.publish({"sender_id": "a", "event": "bot", "text": "two"})
    asyncio.run(broker.close())
    assert [event["text"] for _, _, event in _rows(tmp_path / "events.db")] == ["one", "two"]


def test_a_failed_write_keeps_the_events_for_the_next_round(tmp_path):
    broker = BufferedSQLEventBroker(db=str(tmp_path / "events.db"), flush_seconds=3600)
    broker.publish({"sender_id": "a", "event": "user", "text": "kept"})
    real = broker.engine
    broker.sessionmaker.configure(bind=create_engine(f"sqlite:///{tmp_path}/missing/x.db"))
    assert broker.flush() == 0
    broker.sessionmaker.configure(bind=real)
    assert broker.flush() == 1
    assert [event["text"] for _, _, event in _rows(tmp_path / "events.db")] == ["kept"]
    asyncio.run(broker.close())


def test_the_inbox_reads_the_buffered_broker_from_endpoints(tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        "event_broker:\n  type: bot.studio.inbox.broker.BufferedSQLEventBroker\n"
        "  dialect: sqlite\n  db: events.db\n"
    )
    assert source.broker_url(endpoints, tmp_path) is None  # not created yet
    source.prepare_queue(tmp_path / source.EVENTS_FILE)
    assert source.broker_url(endpoints, tmp_path) == f"sqlite:///{tmp_path / 'events.db'}"
    endpoints.write_text("event_broker:\n  type: pika\n  url: localhost\n")
    assert source.broker_url(endpoints, tmp_path) is None  # RabbitMQ: no SQL queue to read
    assert source.is_pika(source.broker_settings(endpoints) or {})
    endpoints.write_text("event_broker:\n  type: kafka\n  url: localhost\n")
    try:
        source.broker_url(endpoints, tmp_path)
    except source.EventSourceError as error:
        assert "kafka" in str(error)
    else:
        raise AssertionError("a broker the inbox cannot read must be said")
