"""Every process a test started, found through /proc, so none outlives the test.

`make run` starts each server in a session of its own (bot/stack.py), so signalling the
process group of `make` does not reach them if the runner itself dies before stopping
them. A test that starts `make run` records the whole tree while it runs, and at the end
stops whatever is left of it, by process id.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Dict, Iterable, List, Tuple

PROC = Path("/proc")
# A process is identified by its id *and* start time, so a reused id is never signalled.
ProcessKey = Tuple[int, str]


def _stat(pid: int) -> List[str]:
    """Fields of /proc/<pid>/stat after the command name (which may contain spaces)."""
    text = (PROC / str(pid) / "stat").read_text()
    return text[text.rindex(")") + 2 :].split()


def _start_time(pid: int) -> str:
    return _stat(pid)[19]  # field 22 of stat(5): start time after boot


def _running(key: ProcessKey) -> bool:
    pid, started = key
    try:
        fields = _stat(pid)
    except (OSError, ValueError):
        return False
    return fields[19] == started and fields[0] != "Z"  # a zombie has already exited


def process_tree(root: int) -> List[ProcessKey]:
    """``root`` and all its descendants that are alive now."""
    children: Dict[int, List[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int(_stat(int(entry.name))[1])
        except (OSError, ValueError, IndexError):
            continue  # exited while we looked
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        try:
            found.append((pid, _start_time(pid)))
        except (OSError, ValueError, IndexError):
            continue
        todo += children.get(pid, [])
    return found


def still_running(keys: Iterable[ProcessKey]) -> List[ProcessKey]:
    return [key for key in keys if _running(key)]


def wait_until_gone(keys: Iterable[ProcessKey], timeout: float) -> List[ProcessKey]:
    """Wait for the processes to exit; returns those still running after ``timeout``."""
    keys = list(keys)
    deadline = time.monotonic() + timeout
    while still_running(keys) and time.monotonic() < deadline:
        time.sleep(0.2)
    return still_running(keys)


def kill(keys: Iterable[ProcessKey]) -> None:
    """SIGKILL each process (and its own process group, when it leads one)."""
    for key in still_running(keys):
        pid = key[0]
        try:
            if os.getpgid(pid) == pid:
                os.killpg(pid, signal.SIGKILL)
            else:
                os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
