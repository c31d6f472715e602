"""`make run-cluster`: the assistant as several replicas behind nginx, until Ctrl-C.

A Rasa server or action server that stops on its own is started again (its replica twin
answers meanwhile); nginx or the web page stopping ends the whole cluster, as in `make run`.
"""

from __future__ import annotations

import os
import time
from typing import Optional

from bot.bookings import service as bookings
from bot.bookings.config import DATABASE_URL_ENV
from bot.bookings.db import safe_url
from bot.cluster.cluster import Cluster
from bot.cluster.services import Services
from bot.environment import run_dir
from bot.model_store import ensure_model, studio_live_model
from bot.privacy.retention import start_retention_job
from bot.runner import Background, channels_and_privacy, print_privacy_log, serve
from bot.settings import get_settings

RESTART_PAUSE_S = 2.0


def _restart_replicas(cluster: Cluster) -> Optional[str]:
    """Start again any replica that stopped; the name of a vital process that stopped."""
    for process in [*cluster.rasa, *cluster.actions]:
        if process.exited() is not None:
            print(f"The {process.name} stopped (exit {process.exited()}); starting it again.")
            time.sleep(RESTART_PAUSE_S)
            cluster.restart(process)
    vital = next((p for p in cluster.others if p.exited() is not None), None)
    return vital.name if vital else None


def run_cluster(replicas: int, front_port: int, web_port: int, host: str = "127.0.0.1") -> int:
    settings = get_settings()  # fail early, with a clear message, on a broken clinic.yml
    model = studio_live_model() or ensure_model()
    services = Services.from_environment()
    # The delivery worker and the privacy job in this process use the cluster's database.
    os.environ[DATABASE_URL_ENV] = services.database_url
    cluster = Cluster(
        model=model,
        workdir=run_dir() / "cluster",
        services=services,
        replicas=replicas,
        front_port=front_port,
        web_port=web_port,
        host=host,
    )
    started = time.monotonic()

    def start(background: Background) -> None:
        print(f"Starting {replicas} Rasa servers and {replicas} action servers behind nginx ...")
        cluster.start()
        background.worker = bookings.start_worker(settings)
        print_privacy_log()
        background.retention = start_retention_job(
            settings, cluster.workdir, cluster.workdir / "endpoints.yml"
        )
        print(
            "\n"
            f"  {settings.name} assistant is running as a cluster "
            f"({time.monotonic() - started:.0f}s to start).\n"
            f"  Chat on the demo page:  {cluster.front_url}/\n"
            f"  Staff studio:           {cluster.front_url}/staff/\n"
            f"  REST channel:           {cluster.rest_url}\n"
            f"  Rasa servers:           {', '.join(map(str, cluster.rasa_ports))} (round-robin; "
            "socket.io sticky per address)\n"
            f"  Action servers:         {', '.join(map(str, cluster.action_ports))}\n"
            + channels_and_privacy(settings, os.environ, cluster.front_url)
            + f"  Conversations and requests in {safe_url(services.database_url)}; "
            f"locks in {safe_url(services.redis_url)}\n"
            f"  Logs in {cluster.workdir}\n"
            "  Press Ctrl-C to stop.\n",
            flush=True,
        )

    # A wrong database URL is a ValueError from the cluster's start: said in one line too.
    return serve(
        start, lambda: _restart_replicas(cluster), cluster.stop, (RuntimeError, ValueError)
    )
