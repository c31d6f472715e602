"""Start and stop the assistant's processes: action server, Rasa server, web page.

`make run` and the integration tests use the same code, so what the tests start is
what a clinic runs. Each process runs in its own process group so that stopping the
stack (Ctrl-C, SIGTERM, or a test ending) stops everything it started.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import yaml

from bot.action_server import DEFAULT_HOST as ACTIONS_DEFAULT_HOST
from bot.action_server import HOST_ENV as ACTIONS_HOST_ENV
from bot.action_server import endpoint_config, ensure_token, new_token
from bot.channels.registry import write_credentials
from bot.environment import rasa_command, rasa_env
from bot.safety import catalog_check
from bot.settings import PROJECT_ROOT, SETTINGS_ENV_VAR, settings_path
from bot.studio.inbox.source import EVENTS_FILE, SQL_BROKERS, prepare_queue

STARTUP_TIMEOUT_S = 240.0
STOP_TIMEOUT_S = 15.0


def ensure_studio_parse_token(env: Dict[str, str]) -> str:
    """The secret the studio sends to the Rasa server's parse channel (fresh per run)."""
    from bot.channels.studio_parse import TOKEN_ENV

    if not env.get(TOKEN_ENV):
        env[TOKEN_ENV] = new_token()
    return env[TOKEN_ENV]


def ensure_studio_model_token(env: Dict[str, str]) -> str:
    """The secret the studio sends to the Rasa server to swap models (fresh per run)."""
    from bot.channels.studio_model import TOKEN_ENV

    if not env.get(TOKEN_ENV):
        env[TOKEN_ENV] = new_token()
    return env[TOKEN_ENV]


def ensure_run_secrets(env: Dict[str, str]) -> Tuple[str, str, str]:
    """The secrets every server of one run shares (fresh unless ``env`` sets them): the
    action server's, the studio's parse channel's and its model channel's."""
    return ensure_token(env), ensure_studio_parse_token(env), ensure_studio_model_token(env)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_endpoints(target: Path, action_url: str, tracker_db: Path) -> Path:
    """endpoints.yml with this stack's action server, tracker database and event queue
    (SQLite files in ``tracker_db``'s folder).

    The action server's secret is written as ``${PIT_ACTION_SERVER_TOKEN}``: Rasa reads it
    from the environment, so it never lands on disk.
    """
    config = yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text()) or {}
    config["action_endpoint"] = endpoint_config(action_url)
    tracker = config.get("tracker_store") or {}
    if str(tracker.get("dialect", "")).startswith("sqlite"):
        tracker["db"] = str(tracker_db)
        config["tracker_store"] = tracker
    broker = config.get("event_broker") or {}
    if str(broker.get("type", "")).lower() in SQL_BROKERS and str(
        broker.get("dialect", "sqlite")
    ).startswith("sqlite"):
        broker["db"] = str(tracker_db.parent / EVENTS_FILE)
        config["event_broker"] = broker
        prepare_queue(tracker_db.parent / EVENTS_FILE)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(config, sort_keys=False))
    return target


# Evaluations, tests and benchmarks send much faster than a person, all from 127.0.0.1: their
# stacks raise the per-sender rate limit so it cannot change the answers being measured.
MACHINE_SPEED_LIMITS: Dict[str, Any] = {"messages_per_minute": 10_000}


def settings_with_limits(workdir: Path, limits: Dict[str, Any]) -> Path:
    """A copy of the clinic settings in ``workdir`` with other ``limits:`` values."""
    raw = yaml.safe_load(settings_path().read_text(encoding="utf-8"))
    raw["limits"] = {**(raw.get("limits") or {}), **limits}
    path = workdir / "clinic.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@dataclass
class Process:
    name: str
    command: List[str]
    health_url: str
    log_path: Optional[Path] = None
    popen: Optional[subprocess.Popen] = None
    # A check that runs beside the servers and must exit 0 (it has no health URL).
    one_shot: bool = False

    def start(self, env: Dict[str, str]) -> None:
        out = open(self.log_path, "ab") if self.log_path else None
        self.popen = subprocess.Popen(
            self.command,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT if out else None,
            start_new_session=True,
        )

    def healthy(self) -> bool:
        if self.one_shot:
            return self.exited() == 0
        try:
            with urllib.request.urlopen(self.health_url, timeout=2) as response:
                return 200 <= response.status < 500
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def exited(self) -> Optional[int]:
        return self.popen.poll() if self.popen else None

    def stop(self) -> None:
        if not self.popen:
            return
        if self.popen.poll() is not None:
            # It died on its own; children it left in its group (nginx's workers) go too.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            return
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)
            self.popen.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()
        except ProcessLookupError:
            pass


def start_checks(workdir: Path, env: Dict[str, str]) -> List[Process]:
    """Start what must pass before the servers count as up, beside them: compiling the
    red-flag catalog (with a phrase that does not compile, Rasa would run with no model
    and answer nothing; bot/safety/catalog_check.py), unless it compiled unchanged before."""
    if catalog_check.known_good():
        return []
    check = Process(
        "red-flag catalog check",
        [sys.executable, "-m", "bot", "check-catalog"],
        health_url="",
        log_path=workdir / "catalog-check.log",
        one_shot=True,
    )
    # Libraries' deprecation warnings would bury the one line that names the bad phrase.
    check.start({**env, "PYTHONWARNINGS": "ignore"})
    return [check]


def start_and_wait(
    processes: List[Process],
    workdir: Path,
    env: Dict[str, str],
    timeout: float,
    stop: Callable[[], None],
) -> None:
    """Start ``processes`` with the start-up checks beside them and wait until all are up;
    when one fails, ``stop`` (the servers) and the checks are stopped before raising."""
    checks = start_checks(workdir, env)
    for process in processes:
        process.start(env)

    def abort() -> None:
        stop()
        for check in checks:
            check.stop()

    wait_until_healthy(checks + processes, timeout, abort)


def _start_failure(process: Process, code: int) -> str:
    """Why the stack did not start: a failed check says what it printed (its last lines)."""
    where = f" (log: {process.log_path})" if process.log_path else ""
    if not process.one_shot:
        return f"The {process.name} stopped while starting (exit {code}){where}"
    said = ""
    if process.log_path and process.log_path.exists():
        lines = process.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        said = "\n".join(lines[-5:])
    return f"The {process.name} failed (exit {code}){where}:\n{said}"


def wait_until_healthy(
    processes: List[Process], timeout: float, on_failure: Callable[[], None]
) -> None:
    """Wait until every process answers; ``on_failure`` (stop everything) before raising
    when one stops while starting, or when ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    waiting = list(processes)
    while waiting:
        for process in list(waiting):
            code = process.exited()
            if code is not None and not (process.one_shot and code == 0):
                on_failure()
                raise RuntimeError(_start_failure(process, code))
            if process.healthy():
                waiting.remove(process)
        if waiting and time.monotonic() > deadline:
            on_failure()
            names = ", ".join(p.name for p in waiting)
            raise RuntimeError(f"Timed out after {timeout:.0f}s waiting for: {names}")
        time.sleep(0.5)


@dataclass
class Stack:
    """The assistant's processes on loopback ports."""

    model: Path
    workdir: Path
    rasa_port: int = 5005
    actions_port: int = 5055
    web_port: Optional[int] = 8080
    host: str = "127.0.0.1"
    # Only for a cluster on a private network: the action server binds loopback by default.
    actions_host: str = field(
        default_factory=lambda: os.environ.get(ACTIONS_HOST_ENV) or ACTIONS_DEFAULT_HOST
    )
    log_to_files: bool = False
    processes: List[Process] = field(default_factory=list)
    action_token: str = field(default="", repr=False)
    studio_parse_token: str = field(default="", repr=False)
    studio_model_token: str = field(default="", repr=False)
    extra_env: Dict[str, str] = field(default_factory=dict)
    # Other `limits:` than clinic.yml's, for tests and benchmarks that send faster than people.
    limits: Optional[Dict[str, Any]] = None

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def rest_url(self) -> str:
        return f"{self.rasa_url}/webhooks/rest/webhook"

    @property
    def actions_url(self) -> str:
        wildcard = self.actions_host in ("0.0.0.0", "::", "")
        return f"http://{'127.0.0.1' if wildcard else self.actions_host}:{self.actions_port}"

    @property
    def web_url(self) -> Optional[str]:
        return f"http://{self.host}:{self.web_port}/" if self.web_port else None

    def _log(self, name: str) -> Optional[Path]:
        return self.workdir / f"{name}.log" if self.log_to_files else None

    def _server_env(self) -> Dict[str, str]:
        """The servers' environment: ours (bot.environment) with ``extra_env`` on top."""
        env = rasa_env()
        env.update(self.extra_env)
        return env

    def _build(self) -> List[Process]:
        endpoints = write_endpoints(
            self.workdir / "endpoints.yml",
            f"{self.actions_url}/webhook",
            self.workdir / "tracker.db",
        )
        # Only the messaging channels whose secrets are set (in the environment the
        # servers get, ``extra_env`` included) get a webhook.
        credentials = write_credentials(
            PROJECT_ROOT / "credentials.yml", self.workdir / "credentials.yml", self._server_env()
        )
        # fmt: off
        rasa_server = rasa_command(
            "run",
            "--model", str(self.model),
            "--port", str(self.rasa_port),
            "--interface", self.host,
            "--credentials", str(credentials),
            "--endpoints", str(endpoints),
            "--cors", "*",
        )
        action_server = [
            sys.executable, "-m", "bot", "actions",
            "--host", self.actions_host,
            "--port", str(self.actions_port),
        ]
        web_page = [
            sys.executable, "-m", "bot", "web",
            "--host", self.host,
            "--port", str(self.web_port),
            "--rasa-url", self.rasa_url,
            "--endpoints", str(endpoints),
            "--run-dir", str(self.workdir),
        ]
        # fmt: on
        processes = [
            Process(
                "action server",
                action_server,
                f"{self.actions_url}/health",
                self._log("actions"),
            ),
            Process(
                "Rasa server", rasa_server, f"{self.rasa_url}/webhooks/rest/", self._log("rasa")
            ),
        ]
        if self.web_port:
            processes.append(
                Process(
                    "web page", web_page, f"http://{self.host}:{self.web_port}/", self._log("web")
                )
            )
        return processes

    def start(self, timeout: float = STARTUP_TIMEOUT_S) -> "Stack":
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = self._server_env()
        if self.limits:
            env[SETTINGS_ENV_VAR] = str(settings_with_limits(self.workdir, self.limits))
        # A fresh shared secret per run unless the environment sets one.
        secrets = ensure_run_secrets(env)
        self.action_token, self.studio_parse_token, self.studio_model_token = secrets
        self.processes = self._build()
        start_and_wait(self.processes, self.workdir, env, timeout, self.stop)
        return self

    def first_exit(self) -> Optional[Process]:
        """A process that has stopped on its own, if any."""
        return next((p for p in self.processes if p.exited() is not None), None)

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()

    def __enter__(self) -> "Stack":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def measuring_stack(model: Path, workdir: Path, with_web: bool = False) -> Stack:
    """The stack evaluations and benchmarks start: free loopback ports, logs in ``workdir``,
    and machine-speed rate limits (they measure the assistant, not the flood limit)."""
    return Stack(
        model=model,
        workdir=workdir,
        rasa_port=free_port(),
        actions_port=free_port(),
        web_port=free_port() if with_web else None,
        log_to_files=True,
        limits=MACHINE_SPEED_LIMITS,
    )
