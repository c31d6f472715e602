"""The inbox's deployed option on the real RabbitMQ at 127.0.0.1:5672: Rasa's own Pika event
broker, or ours that keeps up with a busy server, publishes; our consumer stores,
acknowledges, and loses nothing across a restart."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Iterator, List

import aio_pika
import pytest
from rasa.core.brokers.pika import PikaEventBroker
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.bookings.db import dispose_engines, session_factory, session_scope, upgrade_database
from bot.studio.inbox.models import InboxConversation, InboxMessage
from bot.studio.inbox.pika_broker import BATCH, PipelinedPikaEventBroker
from bot.studio.inbox.pika_consumer import PikaInboxConsumer
from tests.support.cluster_services import take_queued
from tests.support.inbox_events import bot, user

RABBITMQ = {"url": "127.0.0.1", "port": 5672, "username": "guest", "password": "guest"}


@pytest.fixture
def names() -> Iterator[dict]:
    """A queue and an exchange of this test's own, deleted afterwards."""
    tag = uuid.uuid4().hex[:10]
    found = {"queue": f"pit_inbox_test_{tag}", "exchange": f"pit-test-{tag}"}
    yield found

    async def clean() -> None:
        connection = await aio_pika.connect(host="127.0.0.1", login="guest", password="guest")
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(found["queue"])
            await channel.exchange_delete(found["exchange"])

    asyncio.run(clean())


@pytest.fixture
def sessions(tmp_path) -> Iterator[sessionmaker]:
    url = upgrade_database(f"sqlite:///{tmp_path / 'studio.db'}")
    yield session_factory(url)
    dispose_engines()


def _publish(names: dict, sender: str, events: List, kind: type = PikaEventBroker) -> None:
    """Publish through Rasa's own PikaEventBroker (or ``kind``), as the Rasa server does."""

    async def run() -> None:
        broker = kind(
            "127.0.0.1",
            "guest",
            "guest",
            queues=[names["queue"]],
            exchange_name=names["exchange"],
            event_loop=asyncio.get_running_loop(),
        )
        await broker.connect()
        for event in events:
            broker.publish({"sender_id": sender, **event.as_dict()})
        while broker._background_tasks:
            await asyncio.sleep(0.05)
        await broker.close()  # ours sends what it has queued first

    asyncio.run(run())


def _consumer(names: dict, sessions: sessionmaker) -> PikaInboxConsumer:
    settings = {**RABBITMQ, "queues": [names["queue"]], "exchange_name": names["exchange"]}
    return PikaInboxConsumer(settings, sessions, "US", poll_seconds=0.05, retry_seconds=0.5)


def _texts(sessions: sessionmaker, sender: str, timeout: float = 20) -> List[str]:
    deadline = time.monotonic() + timeout
    while True:
        with session_scope(sessions) as work:
            texts = list(
                work.execute(
                    select(InboxMessage.text)
                    .join(InboxConversation)
                    .where(InboxConversation.sender_id == sender, InboxMessage.role == "patient")
                    .order_by(InboxMessage.at)
                ).scalars()
            )
        if texts or time.monotonic() > deadline:
            return texts
        time.sleep(0.1)


def _waiting(names: dict) -> int:
    async def count() -> int:
        connection = await aio_pika.connect(host="127.0.0.1", login="guest", password="guest")
        async with connection:
            channel = await connection.channel()
            queue = await channel.declare_queue(names["queue"], durable=True, passive=True)
            return int(queue.declaration_result.message_count or 0)

    return asyncio.run(count())


@pytest.mark.parametrize("kind", [PikaEventBroker, PipelinedPikaEventBroker])
def test_rasas_pika_broker_reaches_the_inbox_masked(names, sessions, kind):
    consumer = _consumer(names, sessions).start()
    try:
        assert consumer.connected.wait(20), "no connection to RabbitMQ at 127.0.0.1:5672"
        _publish(
            names,
            "p-1",
            [user("text me on 202-555-0123 please", "nlu_fallback", 0.2), bot("utter_default")],
            kind,
        )
        assert _texts(sessions, "p-1") == ["text me on [phone] please"]
    finally:
        consumer.stop()
    assert _waiting(names) == 0  # acknowledged once stored


def test_events_sent_while_the_studio_is_down_wait_in_the_queue(names, sessions):
    first = _consumer(names, sessions).start()  # declares the durable queue, then stops
    assert first.connected.wait(20)
    first.stop()
    _publish(names, "p-2", [user("zxqv blorp", "nlu_fallback", 0.2), bot("utter_default")])
    _publish(names, "p-2", [user("qwerty uiop", "nlu_fallback", 0.2), bot("utter_default")])
    assert _waiting(names) == 4
    again = _consumer(names, sessions).start()
    try:
        assert _texts(sessions, "p-2") == ["zxqv blorp", "qwerty uiop"]
    finally:
        again.stop()
    assert _waiting(names) == 0


def test_unreadable_messages_are_dropped_not_retried_forever(names, sessions):
    consumer = _consumer(names, sessions).start()
    try:
        assert consumer.connected.wait(20)

        async def garbage() -> None:
            connection = await aio_pika.connect(host="127.0.0.1", login="guest", password="guest")
            async with connection:
                channel = await connection.channel()
                exchange = await channel.get_exchange(names["exchange"])
                for body in (b"{not json", b"[1, 2]", b"\xff\xfe"):
                    await exchange.publish(aio_pika.Message(body), "")

        asyncio.run(garbage())
        _publish(names, "p-3", [user("zxqv blorp", "nlu_fallback", 0.2), bot("utter_default")])
        assert _texts(sessions, "p-3") == ["zxqv blorp"]
    finally:
        consumer.stop()
    assert _waiting(names) == 0


def test_the_web_process_reads_rabbitmq_when_endpoints_say_pika(names, tmp_path, monkeypatch):
    from bot.studio.inbox.service import start_inbox
    from bot.web.app import create_app

    monkeypatch.setenv("TEST_RABBITMQ_PASSWORD", "guest")
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        "event_broker:\n  type: pika\n  url: 127.0.0.1\n  username: guest\n"
        "  password: ${TEST_RABBITMQ_PASSWORD}\n"
        f"  queues: [{names['queue']}]\n  exchange_name: {names['exchange']}\n"
    )
    url = upgrade_database(f"sqlite:///{tmp_path / 'web.db'}")
    app = create_app(studio={"database_url": url, "secret_key": "k" * 40})
    consumer = start_inbox(app, "US", endpoints, tmp_path)
    try:
        assert isinstance(consumer, PikaInboxConsumer) and consumer.connected.wait(20)
        _publish(names, "p-4", [user("zxqv blorp", "nlu_fallback", 0.2), bot("utter_default")])
        assert _texts(session_factory(url), "p-4") == ["zxqv blorp"]
    finally:
        consumer.stop()
        dispose_engines()


def test_our_broker_sends_every_event_once_in_order_as_rasas_messages(names):
    """A burst far bigger than one batch: nothing lost or doubled, order kept, and each
    message is what Rasa's broker sends (JSON event with its sender, persistent)."""
    count = 2 * BATCH + 37
    events = [user(f"message {number}", "faq", 0.9) for number in range(count)]
    _publish(names, "p-5", events, PipelinedPikaEventBroker)
    messages = take_queued(names["queue"])
    bodies = [json.loads(message.body) for message in messages]
    assert [body["text"] for body in bodies] == [f"message {n}" for n in range(count)]
    assert {body["sender_id"] for body in bodies} == {"p-5"}
    assert {message.delivery_mode for message in messages} == {aio_pika.DeliveryMode.PERSISTENT}
