"""Rasa's RabbitMQ (Pika) event broker, fast enough not to fall behind a busy server.

Why: Rasa's ``PikaEventBroker.publish`` starts one asyncio task per event, and each task
holds the channel's lock until its frames have reached the socket (aiormq's
``basic_publish`` waits for the writer task to drain). That is at least two turns of the
event loop per event, one event at a time. While the loop is busy answering patients, a
turn takes milliseconds, events are made faster than they go out, and the waiting tasks
pile up without end: in `make bench-soak` (50 senders, 5 minutes) each Rasa server grew by
about 300 MiB, and tracemalloc put the top growth in ``pika.py``'s publish tasks and
aiormq's lock waiters (bench/results/soak-memory-2026-12-03.md).

Here ``publish`` only appends to a bounded queue, and one task sends what has gathered, in
order, on a channel of its own: each publish only queues its frames, and one round trip
at the end of the batch (RabbitMQ handles a channel's commands in order) says RabbitMQ has
routed all of it. A batch that fails is kept and sent again after a reconnect, as Rasa
keeps its unpublished events. Same exchange, queues, message body and persistence as
Rasa's broker, so the inbox's consumer (bot/studio/inbox/pika_consumer.py) reads it
unchanged. What is given up: publisher confirms (RabbitMQ's word that a persistent message
is on its disk). A RabbitMQ crash can lose the last moments' events for the inbox; the
tracker store keeps every event, and the inbox can import conversations from it.

endpoints.yml: ``event_broker: {type: bot.studio.inbox.pika_broker.PipelinedPikaEventBroker,
...}`` with the same keys as Rasa's ``pika`` broker.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Any, Deque, Dict, List, Optional, Tuple, cast

import aio_pika
import aiormq
from rasa.core.brokers.pika import PikaEventBroker

logger = logging.getLogger(__name__)

# Events sent before the round trip that says RabbitMQ has them.
BATCH = 500
# RabbitMQ unreachable for long must not fill the memory: past this, the oldest queued
# events are dropped (and said in the log). The tracker store still has every event.
MAX_PENDING = 100_000
# At shutdown, how long to wait for the queued events to be sent.
CLOSE_TIMEOUT_S = 10.0

Pending = Tuple[Dict[str, Any], Optional[Dict[str, str]]]


class PipelinedPikaEventBroker(PikaEventBroker):
    """``PikaEventBroker`` whose publishing keeps up: one sender task, checked per batch."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._queue: Deque[Pending] = deque()
        self._sender: Optional[asyncio.Task] = None
        self._channel: Optional[aio_pika.abc.AbstractChannel] = None
        self._dropped = 0

    def publish(self, event: Dict[str, Any], headers: Optional[Dict[str, str]] = None) -> None:
        """Queue ``event``; the sender task sends it on the event loop's next turn."""
        if len(self._queue) >= MAX_PENDING:
            self._queue.popleft()
            self._count_dropped(1)
        self._queue.append((event, headers))
        if self._sender is None or self._sender.done():
            self._sender = self._loop.create_task(self._send_queued())

    def pending(self) -> int:
        """Events queued and not yet handed to RabbitMQ (for tests and benchmarks)."""
        return len(self._queue)

    async def flush(self, timeout: float = CLOSE_TIMEOUT_S) -> bool:
        """Wait until RabbitMQ has everything queued (or it failed); False on timeout."""
        sender = self._sender
        if sender is None or sender.done():
            return True
        try:
            await asyncio.wait_for(asyncio.shield(sender), timeout)
        except asyncio.TimeoutError:
            return False
        return not self._queue

    async def close(self) -> None:
        """Send what is queued first (Rasa's shutdown calls this), then close as Rasa does."""
        if not await self.flush():
            logger.warning("RabbitMQ: %d events were not sent before shutdown", len(self._queue))
        await super().close()

    async def connect(self) -> None:
        """Rasa's connection, exchange and queues; and a channel of our own to publish on."""
        await super().connect()
        assert self._connection is not None
        self._channel = await self._connection.channel(publisher_confirms=False)

    async def _send_queued(self) -> None:
        while self._queue:
            batch = [self._queue.popleft() for _ in range(min(BATCH, len(self._queue)))]
            try:
                await self._send(batch)
            except Exception as error:  # noqa: BLE001 - any failure: keep the batch
                self._keep_failed(batch, error)

    async def _send(self, batch: List[Pending]) -> None:
        """Publish ``batch`` in order, then wait until RabbitMQ has taken all of it.

        One task, one publish after another, none waiting for the socket: the frames go out
        in a few turns of the loop. RabbitMQ handles a channel's commands in order, so the
        answer to the round trip at the end (``basic.qos``) means it has routed every
        message of the batch to the queues.
        """
        if self._channel is None or self._exchange is None:
            raise ConnectionError("not connected to RabbitMQ yet")
        # aiormq's channel (raises while the connection is down); its ``basic_publish`` takes
        # ``wait`` (aiormq pinned in constraints.txt), the abstract one does not say so.
        channel = cast(aiormq.Channel, self._channel.channel)
        for event, headers in batch:
            message = self._message(event, headers)
            await channel.basic_publish(
                message.body,
                exchange=self.exchange_name,
                routing_key="",
                properties=message.properties,
                wait=False,
            )
        await channel.basic_qos(prefetch_count=0)

    def _keep_failed(self, batch: List[Pending], error: Exception) -> None:
        logger.error(
            "RabbitMQ did not take a batch of %d events (%s)%s",
            len(batch),
            type(error).__name__,
            "; they are sent again after a reconnect"
            if self.should_keep_unpublished_messages
            else "",
        )
        if self.should_keep_unpublished_messages:
            kept = self._unpublished_events
            kept.extend(event for event, _ in batch)
            over = len(kept) - MAX_PENDING  # Rasa's own list has no bound
            for _ in range(over):
                kept.popleft()
            self._count_dropped(over)

    def _count_dropped(self, count: int) -> None:
        """Log the first event dropped for want of room, then every thousandth."""
        if count <= 0:
            return
        before, self._dropped = self._dropped, self._dropped + count
        if before == 0 or before // 1000 != self._dropped // 1000:
            logger.warning(
                "RabbitMQ is not taking events: %d dropped so far, the oldest first "
                "(the tracker store keeps them)",
                self._dropped,
            )
