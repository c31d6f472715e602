"""One cluster for this folder's tests: 2 Rasa servers and 2 action servers behind nginx.

It shares the machine's PostgreSQL (a throw-away database of its own), Redis (its own key
prefix) and RabbitMQ (its own queue), all on 127.0.0.1, and removes what it made
(tests/support/cluster_services.py). Skipped, with the reason, only when nginx
(`make nginx`) or PostgreSQL or Redis is missing.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy.engine import make_url

from bot.cluster.cluster import Cluster
from bot.cluster.nginx import INSTALL_HINT, nginx_binary
from bot.model_store import STUDIO_MODELS_ENV, ensure_model
from bot.stack import MACHINE_SPEED_LIMITS, free_port
from tests.support.cluster_services import POSTGRES_URL, throwaway_services, unreachable


def _skip_reason() -> str:
    if nginx_binary() is None:
        return f"nginx is not installed ({INSTALL_HINT})"
    postgres = make_url(POSTGRES_URL)
    for name, host, port in (
        ("PostgreSQL", postgres.host or "127.0.0.1", postgres.port or 5432),
        ("Redis", "127.0.0.1", 6379),
    ):
        if unreachable(host, port):
            return f"{name} at {host}:{port} is unreachable"
    return ""


@pytest.fixture(scope="package")
def cluster() -> Iterator[Cluster]:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    pinned = os.environ.get("PIT_TEST_MODEL")
    model = Path(pinned) if pinned else ensure_model()
    with (
        throwaway_services("cluster") as services,
        tempfile.TemporaryDirectory(prefix="pit-cluster-") as workdir,
    ):
        cluster = Cluster(
            model=model,
            workdir=Path(workdir),
            services=services,
            front_port=free_port(),
            web_port=None,
            limits=MACHINE_SPEED_LIMITS,
            # The studio's model folder, the cluster's own (tests/cluster/test_model_swap.py).
            extra_env={STUDIO_MODELS_ENV: str(Path(workdir) / "studio-models")},
        )
        try:
            cluster.start()
        except RuntimeError:
            for log in Path(workdir).glob("*.log"):
                print(f"--- {log.name} ---\n" + log.read_text(errors="replace")[-3000:])
            raise
        try:
            yield cluster
        finally:
            cluster.stop()
