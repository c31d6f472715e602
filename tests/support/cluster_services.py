"""Shared services of a cluster that belong to one test run or benchmark, and their removal.

A database of its own on the machine's PostgreSQL, a Redis key prefix and a RabbitMQ queue
of its own (none when RabbitMQ does not answer), so a run never touches a clinic's data or
another run's; everything made is removed afterwards. Used by tests/cluster and
bench/soak_bench.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from typing import Any, Iterator, List

from sqlalchemy.engine import make_url

from bot.cluster.database import drop_database
from bot.cluster.services import DEFAULT_RABBITMQ_URL, DEFAULT_REDIS_URL, Services

POSTGRES_URL = os.environ.get("PIT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def unreachable(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=3).close()
        return False
    except OSError:
        return True


def take_queued(name: str) -> List[Any]:
    """Every message waiting in queue ``name``, in order, taken off it (aio_pika messages)."""
    import aio_pika

    async def take() -> List[Any]:
        found: List[Any] = []
        connection = await aio_pika.connect(DEFAULT_RABBITMQ_URL)
        async with connection:
            channel = await connection.channel()
            queue = await channel.declare_queue(name, durable=True, passive=True)
            while True:
                message = await queue.get(fail=False, no_ack=True)
                if message is None:
                    return found
                found.append(message)

    return asyncio.run(take())


def delete_queue(name: str) -> None:
    """The run's own queue (Rasa's exchange is shared, and stays)."""
    import aio_pika

    async def delete() -> None:
        connection = await aio_pika.connect(DEFAULT_RABBITMQ_URL)
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(name)

    asyncio.run(delete())


@contextlib.contextmanager
def throwaway_services(kind: str) -> Iterator[Services]:
    """Services named ``pit_<kind>_<random>``; the database and queue are removed after."""
    run = uuid.uuid4().hex[:10]
    database_url = make_url(POSTGRES_URL).set(database=f"pit_{kind}_{run}")
    rabbit = None if unreachable("127.0.0.1", 5672) else DEFAULT_RABBITMQ_URL
    services = Services(
        database_url=database_url.render_as_string(hide_password=False),
        redis_url=DEFAULT_REDIS_URL,
        rabbitmq_url=rabbit,
        lock_prefix=f"pit{kind}{run}",
        queue=f"pit_{kind}_{run}",
    )
    try:
        yield services
    finally:
        drop_database(services.database_url)
        if rabbit:
            delete_queue(services.queue)
