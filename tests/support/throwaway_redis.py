"""A redis-server of the test's own on a free loopback port, to kill and start again.

Why: "Redis down" must be tested with a real Redis that goes away, and the machine's
shared Redis (6379) must never be stopped.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from typing import Optional

from bot.stack import free_port


def unavailable_reason() -> Optional[str]:
    return None if shutil.which("redis-server") else "redis-server is not installed"


class ThrowawayRedis:
    """No persistence, loopback only; ``kill()`` is the fault, ``start()`` brings it back."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: Optional[subprocess.Popen] = None

    def start(self, timeout: float = 10.0) -> "ThrowawayRedis":
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def kill(self) -> None:
        """Gone at once, like a crash (SIGKILL), and waited for."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None
