"""One cluster for this folder's tests: 2 Rasa servers and 2 action servers behind nginx.

It shares the machine's PostgreSQL (a throw-away database of its own), Redis (its own key
prefix) and RabbitMQ (its own queue), all on 127.0.0.1, and removes what it made. Skipped,
with the reason, only when nginx (`make nginx`) or one of those services is missing.
"""

from __future__ import annotations

import asyncio
import os
import socket
import tempfile
import uuid
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy.engine import make_url

from bot.cluster.cluster import Cluster
from bot.cluster.database import drop_database
from bot.cluster.nginx import INSTALL_HINT, nginx_binary
from bot.cluster.services import DEFAULT_RABBITMQ_URL, DEFAULT_REDIS_URL, Services
from bot.model_store import ensure_model
from bot.stack import MACHINE_SPEED_LIMITS, free_port

POSTGRES_URL = os.environ.get("PIT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _unreachable(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=3).close()
        return False
    except OSError:
        return True


def _skip_reason() -> str:
    if nginx_binary() is None:
        return f"nginx is not installed ({INSTALL_HINT})"
    for name, url in (("PostgreSQL", POSTGRES_URL), ("Redis", DEFAULT_REDIS_URL)):
        parsed = make_url(url if "postgres" in url else url.replace("://", "+x://", 1))
        if _unreachable(parsed.host or "127.0.0.1", int(parsed.port or 0)):
            return f"{name} at {parsed.host}:{parsed.port} is unreachable"
    return ""


def _delete_queue(name: str) -> None:
    """The cluster's own queue (Rasa's exchange is shared, and stays)."""
    import aio_pika

    async def delete() -> None:
        connection = await aio_pika.connect(DEFAULT_RABBITMQ_URL)
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(name)

    asyncio.run(delete())


@pytest.fixture(scope="package")
def cluster() -> Iterator[Cluster]:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    run = uuid.uuid4().hex[:10]
    database_url = make_url(POSTGRES_URL).set(database=f"pit_cluster_{run}").render_as_string(False)
    rabbit = None if _unreachable("127.0.0.1", 5672) else DEFAULT_RABBITMQ_URL
    services = Services(
        database_url=database_url,
        redis_url=DEFAULT_REDIS_URL,
        rabbitmq_url=rabbit,
        lock_prefix=f"pittest{run}",
        queue=f"pit_cluster_{run}",
    )
    pinned = os.environ.get("PIT_TEST_MODEL")
    model = Path(pinned) if pinned else ensure_model()
    with tempfile.TemporaryDirectory(prefix="pit-cluster-") as workdir:
        cluster = Cluster(
            model=model,
            workdir=Path(workdir),
            services=services,
            front_port=free_port(),
            web_port=None,
            limits=MACHINE_SPEED_LIMITS,
        )
        try:
            cluster.start()
        except RuntimeError:
            for log in Path(workdir).glob("*.log"):
                print(f"--- {log.name} ---\n" + log.read_text(errors="replace")[-3000:])
            drop_database(database_url)
            raise
        try:
            yield cluster
        finally:
            cluster.stop()
            drop_database(database_url)
            if rabbit:
                _delete_queue(services.queue)
