"""Several Rasa servers and action servers behind nginx, sharing PostgreSQL and Redis.

`make run-cluster` and the cluster tests use this, as `make run` and the integration tests
use :mod:`bot.stack`: the processes are the same commands, only more of them. Every port is
on loopback unless ``host`` says otherwise. Replicas can be stopped, killed and started again
one at a time, which is what the tests of a replica dying mid-load need.
"""

from __future__ import annotations

import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

from bot.bookings.config import DATABASE_URL_ENV
from bot.channels.registry import write_credentials
from bot.cluster import nginx
from bot.cluster.database import prepare
from bot.cluster.services import Services, write_endpoints
from bot.environment import rasa_command, rasa_env
from bot.model_store import STUDIO_MODELS_ENV, studio_live_model, studio_models_dir
from bot.settings import PROJECT_ROOT, SETTINGS_ENV_VAR
from bot.stack import (
    STARTUP_TIMEOUT_S,
    Process,
    ensure_run_secrets,
    free_port,
    settings_with_limits,
    start_and_wait,
    wait_until_healthy,
)
from bot.studio.training.swap_client import SERVERS_ENV

# Behind nginx the Rasa servers read the patient's address from X-Forwarded-For (one proxy),
# so the per-address message limit counts patients, not nginx.
PROXY_ENV = {"SANIC_PROXIES_COUNT": "1"}
# How long a conversation's lock outlives a Rasa server that died holding it (Rasa's default
# is 60 s). The patient's next message, on the other replica, waits for it: 20 s is far above
# what one message takes here (well under 2 s at 10 senders) and a third of the wait.
LOCK_LIFETIME_ENV = "TICKET_LOCK_LIFETIME"
CLUSTER_LOCK_LIFETIME_S = "20"


@dataclass
class Cluster:
    model: Path
    workdir: Path
    services: Services = field(default_factory=Services.from_environment)
    replicas: int = 2
    front_port: int = 8000
    web_port: Optional[int] = 8080
    host: str = "127.0.0.1"
    limits: Optional[Dict[str, Any]] = None
    extra_env: Dict[str, str] = field(default_factory=dict)
    rasa_ports: List[int] = field(default_factory=list)
    action_ports: List[int] = field(default_factory=list)
    actions_front_port: int = 0
    rasa: List[Process] = field(default_factory=list)
    actions: List[Process] = field(default_factory=list)
    others: List[Process] = field(default_factory=list)  # nginx, web page
    env: Dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def front_url(self) -> str:
        return f"http://{self.host}:{self.front_port}"

    @property
    def rest_url(self) -> str:
        return f"{self.front_url}/webhooks/rest/webhook"

    @property
    def rasa_urls(self) -> List[str]:
        """Each Rasa server directly: the studio swaps models on every one of them."""
        return [f"http://{self.host}:{port}" for port in self.rasa_ports]

    def replica_rest_url(self, index: int) -> str:
        """One Rasa server's own REST channel, bypassing nginx (tests pick replicas)."""
        return f"http://{self.host}:{self.rasa_ports[index]}/webhooks/rest/webhook"

    @property
    def processes(self) -> List[Process]:
        return [*self.others, *self.actions, *self.rasa]

    def _environment(self) -> Dict[str, str]:
        env = rasa_env()
        env.update(self.services.secrets())
        env[DATABASE_URL_ENV] = self.services.database_url
        env.update(PROXY_ENV)
        env.setdefault(LOCK_LIFETIME_ENV, CLUSTER_LOCK_LIFETIME_S)
        env.update(self.extra_env)
        if self.limits:
            env[SETTINGS_ENV_VAR] = str(settings_with_limits(self.workdir, self.limits))
        ensure_run_secrets(env)  # shared by every Rasa server and action server
        return env

    def _log(self, name: str) -> Path:
        return self.workdir / f"{name}.log"

    def _build(self) -> None:
        count = max(1, int(self.replicas))
        self.rasa_ports = self.rasa_ports or [free_port() for _ in range(count)]
        self.action_ports = self.action_ports or [free_port() for _ in range(count)]
        self.actions_front_port = self.actions_front_port or free_port()
        folder = self.workdir / "nginx"
        folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:  # nginx's workers run as nobody: let them reach their temp folders
            for path in (self.workdir, folder):
                path.chmod(0o711)
        config = nginx.write(
            nginx.Upstreams(
                front_port=self.front_port,
                actions_port=self.actions_front_port,
                rasa_ports=self.rasa_ports,
                action_ports=self.action_ports,
                web_port=self.web_port,
                host=self.host,
            ),
            folder,
        )
        actions_url = f"http://{self.host}:{self.actions_front_port}/webhook"
        endpoints = write_endpoints(self._endpoints_file, self.services, actions_url)
        write_credentials(PROJECT_ROOT / "credentials.yml", self._credentials_file, self.env)
        self.env[SERVERS_ENV] = ",".join(self.rasa_urls)  # the studio swaps models on each
        self.others = [
            Process("nginx", nginx.command(config), f"{self.front_url}/healthz", self._log("nginx"))
        ]
        if self.web_port:
            # fmt: off
            web = [
                sys.executable, "-m", "bot", "web",
                "--host", self.host, "--port", str(self.web_port),
                "--rasa-url", self.front_url,
                "--endpoints", str(endpoints), "--run-dir", str(self.workdir),
            ]
            # fmt: on
            self.others.append(
                Process("web page", web, f"http://{self.host}:{self.web_port}/", self._log("web"))
            )
        self.actions = [
            Process(
                f"action server {i + 1}",
                [sys.executable, "-m", "bot", "actions", "--host", self.host, "--port", str(port)],
                f"http://{self.host}:{port}/health",
                self._log(f"actions-{i + 1}"),
            )
            for i, port in enumerate(self.action_ports)
        ]
        self.rasa = [
            Process(
                f"Rasa server {i + 1}",
                self._rasa_command(port),
                f"http://{self.host}:{port}/webhooks/rest/",
                self._log(f"rasa-{i + 1}"),
            )
            for i, port in enumerate(self.rasa_ports)
        ]

    def live_model(self) -> Path:
        """The model a (re)starting Rasa server loads: the one staff published in the studio
        since the cluster started, else the one it started with. A server that crashed after
        a studio swap must not come back with the old model beside its twin's new one."""
        folder = Path(self.env.get(STUDIO_MODELS_ENV) or studio_models_dir())
        return studio_live_model(folder) or self.model

    @property
    def _endpoints_file(self) -> Path:
        return self.workdir / "endpoints.yml"

    @property
    def _credentials_file(self) -> Path:
        return self.workdir / "credentials.yml"

    def _rasa_command(self, port: int) -> List[str]:
        """A Rasa server on ``port`` with the live model (read again at every (re)start)."""
        # fmt: off
        return rasa_command(
            "run", "--model", str(self.live_model()), "--port", str(port), "--interface", self.host,
            "--credentials", str(self._credentials_file), "--endpoints", str(self._endpoints_file),
            "--cors", "*",
        )
        # fmt: on

    def start(self, timeout: float = STARTUP_TIMEOUT_S) -> "Cluster":
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.env = self._environment()
        prepare(self.services.database_url)
        self._build()
        start_and_wait(self.processes, self.workdir, self.env, timeout, self.stop)
        return self

    def kill_rasa(self, index: int) -> None:
        """SIGKILL one Rasa server, as a crash or a lost machine would end it."""
        popen = self.rasa[index].popen
        if popen and popen.poll() is None:
            os.killpg(popen.pid, signal.SIGKILL)
            popen.wait()

    def restart(self, process: Process, timeout: float = STARTUP_TIMEOUT_S) -> None:
        """Start a replica that stopped (or was killed) again, on its port, and wait for it."""
        if process in self.rasa:
            process.command = self._rasa_command(self.rasa_ports[self.rasa.index(process)])
        process.start(self.env)
        wait_until_healthy([process], timeout, self.stop)

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()

    def __enter__(self) -> "Cluster":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
