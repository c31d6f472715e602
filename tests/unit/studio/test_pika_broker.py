"""Our Pika broker's own rules, without RabbitMQ: events it could not send are kept for the
reconnect, and a RabbitMQ that stays away cannot fill the memory. (Sending to the real
RabbitMQ: tests/integration/test_inbox_rabbitmq.py.)"""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.studio.inbox import pika_broker
from bot.studio.inbox.pika_broker import PipelinedPikaEventBroker


def broker(loop: asyncio.AbstractEventLoop) -> PipelinedPikaEventBroker:
    return PipelinedPikaEventBroker("127.0.0.1", "guest", "guest", queues=["q"], event_loop=loop)


def test_events_that_could_not_be_sent_are_kept_for_the_reconnect(caplog):
    async def run() -> PipelinedPikaEventBroker:
        made = broker(asyncio.get_running_loop())  # never connected: no exchange
        for number in range(3):
            made.publish({"sender_id": "p", "event": "user", "text": f"m{number}"})
        assert await made.flush(5)
        return made

    with caplog.at_level(logging.ERROR):
        made = asyncio.run(run())
    assert [e["text"] for e in made._unpublished_events] == ["m0", "m1", "m2"]
    assert made.pending() == 0
    assert "did not take a batch of 3 events" in caplog.text


def test_a_full_queue_drops_the_oldest_and_says_so(monkeypatch, caplog):
    monkeypatch.setattr(pika_broker, "MAX_PENDING", 5)

    async def run() -> PipelinedPikaEventBroker:
        made = broker(asyncio.get_running_loop())
        for number in range(8):  # no await in between: the sender task has not run yet
            made.publish({"sender_id": "p", "event": "user", "text": f"m{number}"})
        assert made.pending() == 5
        await made.flush(5)
        return made

    with caplog.at_level(logging.WARNING):
        made = asyncio.run(run())
    # Three dropped from the queue before sending; what failed is kept, within the bound.
    assert [e["text"] for e in made._unpublished_events] == ["m3", "m4", "m5", "m6", "m7"]


def test_events_kept_while_rabbitmq_is_down_stay_within_the_bound(monkeypatch, caplog):
    monkeypatch.setattr(pika_broker, "MAX_PENDING", 4)

    async def run() -> PipelinedPikaEventBroker:
        made = broker(asyncio.get_running_loop())
        for number in range(10):  # one at a time: each fails, and is kept
            made.publish({"sender_id": "p", "event": "user", "text": f"m{number}"})
            await made.flush(5)
        return made

    with caplog.at_level(logging.WARNING):
        made = asyncio.run(run())
    assert [e["text"] for e in made._unpublished_events] == ["m6", "m7", "m8", "m9"]
    assert "1 dropped so far" in caplog.text
    assert "1 dropped so far" in caplog.text


@pytest.mark.parametrize("kept", [True, False])
def test_without_keep_unpublished_nothing_is_kept(kept):
    async def run() -> PipelinedPikaEventBroker:
        made = PipelinedPikaEventBroker(
            "127.0.0.1",
            "guest",
            "guest",
            queues=["q"],
            should_keep_unpublished_messages=kept,
            event_loop=asyncio.get_running_loop(),
        )
        made.publish({"sender_id": "p", "event": "user", "text": "m"})
        await made.flush(5)
        return made

    assert len(asyncio.run(run())._unpublished_events) == (1 if kept else 0)
