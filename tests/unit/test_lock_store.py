"""Fault (issue 16): Redis, the lock store of a several-server deployment, goes down.

``bot.lock_store.FallbackRedisLockStore`` is used as Rasa uses a lock store
(``LockStore.create`` from the endpoints entry, then ``async with store.lock(sender)``
around each message), against a real redis-server of the test's own that is killed and
started again mid-test, and against a port where nothing listens.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Iterator, List

import pytest
import redis
from rasa.core.lock_store import LockStore
from rasa.utils.endpoints import EndpointConfig, read_endpoint_config

from bot.lock_store import FallbackRedisLockStore
from bot.settings import PROJECT_ROOT
from bot.stack import free_port
from tests.support.throwaway_redis import ThrowawayRedis, unavailable_reason

CLASS_PATH = "bot.lock_store.FallbackRedisLockStore"
PIPELINED_PIKA = "bot.studio.inbox.pika_broker.PipelinedPikaEventBroker"
DEPLOY_EXAMPLE = PROJECT_ROOT / "deploy" / "endpoints.several-servers.yml"


class Clock:
    """Seconds that move only when the test says (for the retry interval)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def redis_server() -> Iterator[ThrowawayRedis]:
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    server = ThrowawayRedis().start()
    yield server
    server.kill()


def _store(port: int, clock: Clock) -> FallbackRedisLockStore:
    """Made the way Rasa makes it from endpoints.yml."""
    config = EndpointConfig(url="127.0.0.1", type=CLASS_PATH, port=port, socket_timeout=2)
    store = LockStore.create(config)
    assert isinstance(store, FallbackRedisLockStore)
    store.clock = clock
    return store


async def _message(store: LockStore, sender: str, log: List[str], pause: float = 0.0) -> None:
    """What Rasa does around one message: hold the conversation's lock while handling it."""
    async with store.lock(sender, wait_time_in_seconds=0.01):
        log.append(f"start {sender}")
        await asyncio.sleep(pause)
        log.append(f"end {sender}")


def _warnings(caplog: pytest.LogCaptureFixture) -> List[str]:
    return [r.getMessage() for r in caplog.records if r.name == "bot.lock_store"]


async def test_nothing_listening_conversations_go_on_with_one_clear_warning(caplog):
    caplog.set_level(logging.WARNING, logger="bot.lock_store")
    store = _store(free_port(), Clock())
    log: List[str] = []
    await asyncio.gather(*(_message(store, "patient-1", log, 0.02) for _ in range(3)))
    await _message(store, "patient-2", log)
    # Messages of one conversation are still one at a time (in this server's memory).
    assert log[:6] == ["start patient-1", "end patient-1"] * 3
    [warning] = _warnings(caplog)
    assert "unreachable" in warning and "memory" in warning and "Conversations go on" in warning
    assert store.memory.conversation_locks == {}  # every lock released


async def test_redis_killed_mid_conversation_then_back(redis_server, caplog):
    caplog.set_level(logging.WARNING, logger="bot.lock_store")
    clock = Clock()
    store = _store(redis_server.port, clock)
    client = redis.Redis(host="127.0.0.1", port=redis_server.port, db=1)
    log: List[str] = []

    async with store.lock("patient-1"):
        assert client.exists("lock:patient-1")  # the lock is in Redis, shared by all servers
        redis_server.kill()  # Redis dies while a message is being handled
    assert _warnings(caplog) and "unreachable" in _warnings(caplog)[0]

    await asyncio.gather(*(_message(store, "patient-1", log, 0.02) for _ in range(2)))
    assert log == ["start patient-1", "end patient-1"] * 2
    assert len(_warnings(caplog)) == 1  # one warning per outage, not one per message

    redis_server.start()  # same port
    clock.now += store.retry_seconds  # time to try Redis again
    async with store.lock("patient-1"):
        client = redis.Redis(host="127.0.0.1", port=redis_server.port, db=1)
        assert client.exists("lock:patient-1")  # shared again
    assert "answers again" in _warnings(caplog)[-1]
    assert not client.exists("lock:patient-1")

    redis_server.kill()  # down again, noticed by the next message itself
    await _message(store, "patient-2", log)
    assert log[-2:] == ["start patient-2", "end patient-2"]
    assert "unreachable" in _warnings(caplog)[-1] and len(_warnings(caplog)) == 3


def test_the_deploy_example_names_this_store(monkeypatch):
    for name in ("PIT_ACTION_SERVER_TOKEN", "RABBITMQ_USERNAME", "RABBITMQ_PASSWORD"):
        monkeypatch.setenv(name, "x" * 32)  # the example expands them
    config = read_endpoint_config(str(DEPLOY_EXAMPLE), "lock_store")
    assert config is not None and config.type == CLASS_PATH
    broker = read_endpoint_config(str(DEPLOY_EXAMPLE), "event_broker")
    assert broker is not None and broker.type == PIPELINED_PIKA
    assert broker.kwargs["queues"] == ["pit_inbox"]
