"""Stopping a process the stack started also stops what it left behind in its group.

Why: nginx's master can die (killed, crashed) while its workers live on, holding the port;
the next start would then fail, or old workers would go on serving.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from bot.stack import Process


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie still answers kill(0); it is dead all the same
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def test_children_left_by_a_process_that_died_are_stopped(tmp_path: Path):
    pid_file = tmp_path / "child.pid"
    leader = Process("leader", ["sh", "-c", f"sleep 300 & echo $! > {pid_file}"], "http://x")
    leader.start(dict(os.environ))
    assert leader.popen is not None
    leader.popen.wait(timeout=10)  # the leader is gone; its child sleeps on in its group
    deadline = time.monotonic() + 5
    while not pid_file.exists() or not pid_file.read_text().strip():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    child = int(pid_file.read_text())
    assert _alive(child)
    leader.stop()
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)
