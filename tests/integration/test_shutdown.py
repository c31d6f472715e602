"""`make run` stops cleanly even when the stop signal comes twice (issue 16, faults).

systemd and container runtimes send SIGTERM to the whole process group, and may send it
again while the assistant is stopping. A second signal used to abort the cleanup, leaving
the Rasa server and the action server holding their ports.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import List

import pytest

from bot.bookings.config import DATABASE_URL_ENV
from bot.runner import RUN_DIR_ENV
from bot.settings import PROJECT_ROOT
from bot.stack import free_port

pytestmark = pytest.mark.integration

START_TIMEOUT_S = 420


def port_is_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def start_run(ports: List[int], tmp_path: Path) -> subprocess.Popen:
    env = dict(
        os.environ,
        **{
            RUN_DIR_ENV: str(tmp_path / "run"),
            DATABASE_URL_ENV: f"sqlite:///{tmp_path / 'requests.db'}",
        },
    )
    rasa, actions, web = (str(p) for p in ports)
    command = [sys.executable, "-m", "bot", "run", "--rasa-port", rasa]
    command += ["--actions-port", actions, "--web-port", web]
    process = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as systemd gives a service
    )
    deadline = time.monotonic() + START_TIMEOUT_S
    assert process.stdout is not None
    for line in process.stdout:
        if "assistant is running" in line:
            return process
        if time.monotonic() > deadline or process.poll() is not None:
            break
    os.killpg(process.pid, signal.SIGKILL)
    pytest.fail("`python -m bot run` did not start")


def test_a_second_sigterm_while_stopping_still_stops_everything(tmp_path: Path):
    ports = [free_port(), free_port(), free_port()]
    process = start_run(ports, tmp_path)
    assert all(port_is_taken(p) for p in ports)

    os.killpg(process.pid, signal.SIGTERM)
    assert process.stdout is not None
    seen = []
    for line in process.stdout:  # wait until the runner is stopping the servers
        seen.append(line)
        if "stopping ..." in line:
            break
    os.killpg(process.pid, signal.SIGTERM)
    rest, _ = process.communicate(timeout=180)
    output = "".join(seen) + rest
    assert process.returncode == 0, output
    assert "still stopping" in output and "Stopped." in output
    deadline = time.monotonic() + 30
    while any(port_is_taken(p) for p in ports) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not any(port_is_taken(p) for p in ports), "a server outlived the runner"

    again = start_run(ports, tmp_path)  # the next `make run` starts cleanly
    os.killpg(again.pid, signal.SIGTERM)
    again.communicate(timeout=180)
    assert again.returncode == 0
