"""Soak: 50 senders for 5 minutes against the cluster (issue 13): errors, latency, memory.

Starts the cluster as `make run-cluster` does (bot/cluster: 2 Rasa servers and 2 action
servers behind nginx, conversations in PostgreSQL, locks in Redis), in a throw-away
database, Redis key prefix and RabbitMQ queue of its own. Then N senders chat through nginx's
REST channel without pause for the duration, each in a new conversation every 10 messages,
with the held-out patient questions (tests/nlu/test_nlu.yml, shuffled with a fixed seed).

Reported: requests, errors (anything but a 200 with an answer), p50/p95/p99 per minute and
overall, and the resident memory (RSS, /proc) of every Rasa server and action server after
the first minute and at the end: no leak means the end is within 10% of the first minute.
The machine is shared: read the ratios, not the absolutes. Writes bench/results/soak-*.md.

    make bench-soak                       # 50 senders, 300 s
    .venv/bin/python bench/soak_bench.py --senders 10 --seconds 60   # a quick look
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import yaml  # noqa: E402

from bench.common import machine, percentile, write_result  # noqa: E402
from bot.cluster.cluster import Cluster  # noqa: E402
from bot.model_store import ensure_model  # noqa: E402
from bot.settings import PROJECT_ROOT  # noqa: E402
from bot.stack import MACHINE_SPEED_LIMITS, free_port  # noqa: E402
from tests.support.cluster_services import throwaway_services  # noqa: E402

CONVERSATION_LENGTH = 10


def questions() -> List[str]:
    raw = yaml.safe_load((PROJECT_ROOT / "tests" / "nlu" / "test_nlu.yml").read_text())
    found = [
        line.strip()[2:].strip()
        for block in raw["nlu"]
        for line in str(block.get("examples", "")).splitlines()
        if line.strip().startswith("- ")
    ]
    random.Random(13).shuffle(found)
    return found


def tree_rss_mib(pid: int) -> float:
    """Resident memory of a process and its children (VmRSS, /proc)."""
    total = 0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
            pids.extend(int(c) for c in children)
        except OSError:
            continue
    return total / 1024


class Load:
    """Senders without pause; every answer's (time since start, latency ms, ok)."""

    def __init__(self, url: str, messages: Sequence[str], senders: int, seconds: float):
        self.url, self.messages, self.senders, self.seconds = url, messages, senders, seconds
        self.samples: List[Tuple[float, float, bool]] = []
        self.errors: Dict[str, int] = {}
        self.lock = threading.Lock()
        self.start = 0.0

    def _one(self, index: int) -> None:
        rng = random.Random(index)
        sender, sent = f"soak-{index}-{uuid.uuid4().hex[:8]}", 0
        while time.monotonic() - self.start < self.seconds:
            if sent == CONVERSATION_LENGTH:
                sender, sent = f"soak-{index}-{uuid.uuid4().hex[:8]}", 0
            text = rng.choice(self.messages)
            body = json.dumps({"sender": sender, "message": text}).encode()
            request = urllib.request.Request(self.url, body, {"Content-Type": "application/json"})
            began = time.monotonic()
            error = ""
            try:
                with urllib.request.urlopen(request, timeout=120) as response:
                    if not json.loads(response.read()):
                        error = "empty answer"
            except urllib.error.HTTPError as failed:
                error = f"HTTP {failed.code}"
            except (urllib.error.URLError, OSError) as failed:
                error = type(failed).__name__
            elapsed = (time.monotonic() - began) * 1000
            with self.lock:
                self.samples.append((began - self.start, elapsed, not error))
                if error:
                    self.errors[error] = self.errors.get(error, 0) + 1
            sent += 1

    def run(self) -> None:
        self.start = time.monotonic()
        threads = [threading.Thread(target=self._one, args=(i,)) for i in range(self.senders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--senders", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--model", help="model file (default: the model for the current data)")
    args = parser.parse_args()
    model = Path(args.model) if args.model else ensure_model()
    first_minute: Dict[str, float] = {}
    end: Dict[str, float] = {}
    with (
        throwaway_services("soak") as services,
        tempfile.TemporaryDirectory(prefix="pit-soak-") as workdir,
    ):
        cluster = Cluster(
            model=model,
            workdir=Path(workdir),
            services=services,
            replicas=args.replicas,
            front_port=free_port(),
            web_port=None,
            limits=MACHINE_SPEED_LIMITS,
        )
        began = time.monotonic()
        cluster.start()
        startup = time.monotonic() - began
        try:
            load = Load(cluster.rest_url, questions(), args.senders, args.seconds)
            runner = threading.Thread(target=load.run)
            runner.start()
            time.sleep(min(60.0, args.seconds / 2))
            first_minute = {p.name: tree_rss_mib(p.popen.pid) for p in cluster.processes[1:]}
            runner.join()
            end = {p.name: tree_rss_mib(p.popen.pid) for p in cluster.processes[1:]}
            died = [p.name for p in cluster.processes if p.exited() is not None]
        finally:
            cluster.stop()
    report = _report(args, model, load, startup, first_minute, end, died)
    write_result("soak", report)
    return 0 if not load.errors and not died else 1


def _report(args, model, load, startup, first_minute, end, died) -> str:  # type: ignore[no-untyped-def]
    samples = load.samples
    latencies = [ms for _, ms, ok in samples if ok]
    m = machine()
    lines = [
        f"# Soak: {args.senders} senders for {args.seconds:.0f} s against the cluster "
        f"({datetime.now(timezone.utc).isoformat(timespec='seconds')})",
        "",
        f"Machine: {m['host']}, {m['cpus']} CPUs, {m['memory_gib']} "
        f"GiB, Python {m['python']}; shared and noisy. The load runs on the same "
        "machine (its threads share the 2 cores with the servers).",
        f"Cluster: {args.replicas} Rasa servers + {args.replicas} action servers behind nginx, "
        f"PostgreSQL tracker store, Redis lock store, RabbitMQ events; model `{model.name}`; "
        f"started in {startup:.0f} s. Command: `make bench-soak` "
        f"(`bench/soak_bench.py --senders {args.senders} --seconds {args.seconds:.0f}`).",
        "",
        "| | value |",
        "|---|---|",
        f"| requests | {len(samples)} |",
        f"| errors | {sum(load.errors.values())} {dict(load.errors) or ''} |",
        f"| processes that stopped | {', '.join(died) or 'none'} |",
        f"| messages/s | {len(samples) / args.seconds:.1f} |",
        f"| p50 / p95 / p99 ms | {percentile(latencies, 50):.0f} / "
        f"{percentile(latencies, 95):.0f} / {percentile(latencies, 99):.0f} |",
        "",
        "Per minute:",
        "",
        "| minute | requests | errors | p50 ms | p95 ms |",
        "|---|---|---|---|---|",
    ]
    for minute in range(int(args.seconds // 60) + (1 if args.seconds % 60 else 0)):
        chunk = [(ms, ok) for t, ms, ok in samples if minute * 60 <= t < (minute + 1) * 60]
        ok_ms = [ms for ms, ok in chunk if ok]
        lines.append(
            f"| {minute + 1} | {len(chunk)} | {sum(not ok for _, ok in chunk)} | "
            f"{percentile(ok_ms, 50):.0f} | {percentile(ok_ms, 95):.0f} |"
        )
    lines += [
        "",
        "Resident memory (process and children, MiB): after the first minute, at the end.",
        "",
        "| process | first minute | end | end / first |",
        "|---|---|---|---|",
    ]
    for name, before in first_minute.items():
        after = end.get(name, float("nan"))
        lines.append(f"| {name} | {before:.0f} | {after:.0f} | {after / before:.3f} |")
    ratios = [end[n] / first_minute[n] for n in first_minute if n in end and first_minute[n]]
    worst = max(ratios) if ratios else float("nan")
    lines += [
        "",
        f"Errors: {sum(load.errors.values())} (target 0). Largest memory growth: "
        f"x{worst:.3f} (target at most x1.10). Median latency over the whole run: "
        f"{statistics.median(latencies) if latencies else float('nan'):.0f} ms.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
