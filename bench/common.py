"""Measuring helpers the benchmarks share: the machine, one REST answer, percentiles, RSS, CPU time,
and a fixed-message latency run (bench/run_bench.py, bench/event_broker_bench.py, ...)."""

from __future__ import annotations

import json
import os
import platform
import socket
import statistics
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, List, Sequence


def rest_reply(url: str, sender: str, message: str) -> Any:
    """The REST channel's reply to one message, parsed (raises on anything but a 200)."""
    body = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def post(url: str, sender: str, message: str, allow_empty: bool = False) -> float:
    """Seconds for one answer (raises on anything but a 200 with an answer; with
    ``allow_empty``, a 200 with no messages counts too: the starter bot's way of not
    answering)."""
    started = time.perf_counter()
    answer = rest_reply(url, sender, message)
    elapsed = time.perf_counter() - started
    if not isinstance(answer, list) or not (answer or allow_empty):
        raise RuntimeError(f"empty reply to {message!r}")
    return elapsed


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile; NaN for no values (a minute with no answer, say)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def _status_mib(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mib(pid: int) -> float:
    """VmHWM: the peak resident set size of a process, from /proc."""
    return _status_mib(pid, "VmHWM")


def rss_mib(pid: int) -> float:
    """VmRSS: the resident set size of a process now, from /proc."""
    return _status_mib(pid, "VmRSS")


def cpu_seconds(pid: int) -> float:
    """utime + stime of ``pid`` and every live descendant, plus its reaped children."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: Dict[int, int] = {}
    own: Dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # fields from the 3rd (state) on
        child = int(entry.name)
        parents[child] = int(fields[1])
        own[child] = (int(fields[11]) + int(fields[12])) / tick
        if child == pid:
            own[child] += (int(fields[13]) + int(fields[14])) / tick  # cutime + cstime
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, ppid in parents.items():
            if ppid == parent and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(own.get(p, 0.0) for p in tree)


def machine() -> Dict[str, str]:
    mem = Path("/proc/meminfo").read_text().split("\n")[0].split()[1]
    return {
        "host": socket.gethostname(),
        "cpus": str(os.cpu_count()),
        "memory_gib": f"{int(mem) / 1024 / 1024:.0f}",
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def latency_run(
    url: str, messages: Sequence[str], senders: int, conversation_length: int
) -> Dict[str, float]:
    """Send every message once from `senders` concurrent patients. Each patient starts a
    new conversation (/session_start, not timed) every `conversation_length` messages, as
    real chats are short; Rasa's cost per message grows with the conversation's length."""
    lock = threading.Lock()
    timings: List[float] = []
    per_sender = [messages[i::senders] for i in range(senders)]

    def patient(texts: Sequence[str]) -> None:
        sender = ""
        for index, text in enumerate(texts):
            if index % conversation_length == 0:
                sender = f"bench-{uuid.uuid4().hex[:8]}"
                post(url, sender, "/session_start")
            elapsed = post(url, sender, text)
            with lock:
                timings.append(elapsed)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=senders) as pool:
        list(pool.map(patient, per_sender))
    wall = time.perf_counter() - started
    return {
        "senders": senders,
        "messages": len(timings),
        "messages_per_conversation": conversation_length,
        "p50_ms": round(statistics.median(timings) * 1000, 1),
        "p95_ms": round(percentile(timings, 95) * 1000, 1),
        "p99_ms": round(percentile(timings, 99) * 1000, 1),
        "throughput_msg_per_s": round(len(timings) / wall, 1),
    }


RESULTS_DIR = Path(__file__).resolve().parent / "results"


def unused_tag(base: str, patterns: Sequence[str]) -> str:
    """``base``, or ``base-2``, ``base-3`` ...: the first tag for which none of
    bench/results/<pattern with the tag> exists, so that no run overwrites an earlier one.
    Patterns hold ``{}`` where the tag goes: ``("bench-{}.md", "locust-{}")``."""
    tag, number = base, 1
    while any((RESULTS_DIR / pattern.format(tag)).exists() for pattern in patterns):
        number += 1
        tag = f"{base}-{number}"
    return tag


def write_result(name: str, text: str) -> Path:
    """Print ``text`` and record it as bench/results/<name>-<UTC date>.md, or -2, -3 ... after
    the date when a result of that name already exists for the day (never overwritten)."""
    from datetime import datetime, timezone

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    date = f"{datetime.now(timezone.utc):%Y-%m-%d}"
    out = RESULTS_DIR / f"{name}-{unused_tag(date, [name + '-{}.md'])}.md"
    out.write_text(text, encoding="utf-8")
    print(text)
    print(f"Written to bench/results/{out.name}")
    return out
