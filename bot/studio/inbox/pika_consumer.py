"""Read the inbox's queue on RabbitMQ, where Rasa's Pika event broker publishes (deployments).

endpoints.yml, as Rasa documents it::

    event_broker:
      type: pika
      url: 127.0.0.1
      username: ${RABBITMQ_USERNAME}
      password: ${RABBITMQ_PASSWORD}
      queues: [pit_inbox]

Rasa publishes every event to a fanout exchange bound to those queues; the studio reads the
first one. Each round takes up to a batch of messages, stores them in one unit of work and
only then acknowledges them, so an event is never lost if the web process stops half-way
(one read twice is recognised by its message id). The queue is durable: events published
while the web process is down wait there. A lost connection is retried every few seconds.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any, List, Mapping

import aio_pika
from sqlalchemy.orm import sessionmaker

from bot.studio.inbox.consumer import Event, Storer
from bot.studio.inbox.source import load_event

logger = logging.getLogger(__name__)

RASA_EXCHANGE = "rasa-exchange"  # rasa/core/brokers/pika.py's default
BATCH = 500
POLL_SECONDS = 0.5
RETRY_SECONDS = 5.0


class PikaInboxConsumer:
    """The inbox's reader of Rasa's Pika broker, in a daemon thread with its own event loop."""

    def __init__(
        self,
        settings: Mapping[str, Any],
        sessions: sessionmaker,
        region: str,
        poll_seconds: float = POLL_SECONDS,
        retry_seconds: float = RETRY_SECONDS,
    ) -> None:
        queues = settings.get("queues") or ["rasa_production_events"]
        self.queue = str(queues[0] if isinstance(queues, (list, tuple)) else queues)
        self.exchange = str(settings.get("exchange_name") or RASA_EXCHANGE)
        self.host = str(settings.get("url") or "127.0.0.1")
        self.port = int(settings.get("port") or 5672)
        self.username = str(settings.get("username") or "guest")
        self.password = str(settings.get("password") or "guest")
        self.storer = Storer(sessions, region)
        self.poll_seconds = poll_seconds
        self.retry_seconds = retry_seconds
        self.connected = threading.Event()  # set once the queue is declared (tests wait on it)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pit-inbox-pika", daemon=True)

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _connect(self) -> aio_pika.abc.AbstractConnection:
        if self.host.startswith("amqp"):
            return await aio_pika.connect(self.host)
        return await aio_pika.connect(
            host=self.host, port=self.port, login=self.username, password=self.password
        )

    async def _main(self) -> None:
        while not self._stop.is_set():
            try:
                connection = await self._connect()
                async with connection:
                    channel = await connection.channel()
                    await channel.set_qos(prefetch_count=BATCH)
                    exchange = await channel.declare_exchange(
                        self.exchange, type=aio_pika.ExchangeType.FANOUT
                    )
                    queue = await channel.declare_queue(self.queue, durable=True)
                    await queue.bind(exchange, "")
                    self.connected.set()
                    while not self._stop.is_set():
                        if await self._round(queue) < BATCH:
                            await asyncio.sleep(self.poll_seconds)
            except Exception as error:  # noqa: BLE001 - RabbitMQ down: try again later
                self.connected.clear()
                logger.error("inbox: RabbitMQ: %s; retrying", type(error).__name__)
                await asyncio.sleep(self.retry_seconds)

    async def _round(self, queue: aio_pika.abc.AbstractQueue) -> int:
        messages: List[aio_pika.abc.AbstractIncomingMessage] = []
        while len(messages) < BATCH:
            message = await queue.get(no_ack=False, fail=False)
            if message is None:
                break
            messages.append(message)
        if not messages:
            return 0
        events: List[Event] = []
        for message in messages:
            event = load_event(message.body)
            if event is not None:
                events.append((str(event.get("sender_id") or ""), event))
        loop = asyncio.get_running_loop()
        skipped = len(messages) - len(events)
        skipped += await loop.run_in_executor(None, self.storer.store, events)
        for message in messages:  # only once stored: a crash before this reads them again
            await message.ack()
        if skipped:
            logger.warning("inbox: skipped %d unreadable or unstorable event(s)", skipped)
        return len(messages)

    def start(self) -> "PikaInboxConsumer":
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)
