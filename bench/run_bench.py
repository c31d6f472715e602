"""Benchmark: start-up, training, REST latency/throughput and peak memory.

Prints the figures and records them in bench/results/<date>-<host>.{json,md}.
The machine is shared and noisy, so latency is reported as percentiles over many
messages and start-up as the median of several runs; compare ratios, not absolutes.

    make bench                      # all of it
    python bench/run_bench.py --skip-train --messages 200
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Sequence

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.evaluation.nlu import load_examples
from bot.model_store import ensure_model
from bot.stack import free_port, measuring_stack

RESULTS = ROOT / "bench" / "results"


def post(url: str, sender: str, message: str) -> float:
    body = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        payload = json.loads(response.read())
    elapsed = time.perf_counter() - started
    if not payload:
        raise RuntimeError(f"empty reply to {message!r}")
    return elapsed


def percentile(values: Sequence[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def peak_rss_mib(pid: int) -> float:
    """VmHWM: the peak resident set size of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


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


def startup_to_first_answer(runs: int) -> List[float]:
    """Seconds from `make run` to the first answer, warm install (model already trained)."""
    results = []
    for _ in range(runs):
        rasa_port, actions_port, web_port = free_port(), free_port(), free_port()
        env = dict(
            os.environ,
            PIT_RASA_PORT=str(rasa_port),
            PIT_ACTIONS_PORT=str(actions_port),
            PIT_WEB_PORT=str(web_port),
        )
        url = f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook"
        started = time.perf_counter()
        proc = subprocess.Popen(
            ["make", "run"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            while True:
                if proc.poll() is not None:
                    raise RuntimeError("make run exited before answering")
                try:
                    post(url, "bench-start", "what is pit")
                    break
                except OSError:
                    time.sleep(0.25)
            results.append(time.perf_counter() - started)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=60)
    return results


def training_seconds() -> float:
    with tempfile.TemporaryDirectory() as models:
        started = time.perf_counter()
        ensure_model(Path(models), force=True)
        return time.perf_counter() - started


def machine() -> Dict[str, str]:
    mem = Path("/proc/meminfo").read_text().split("\n")[0].split()[1]
    return {
        "host": socket.gethostname(),
        "cpus": str(os.cpu_count()),
        "memory_gib": f"{int(mem) / 1024 / 1024:.0f}",
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--startup-runs", type=int, default=3)
    parser.add_argument("--skip-train", action="store_true", help="don't time a full training run")
    parser.add_argument(
        "--conversation-length",
        type=int,
        default=10,
        help="messages per conversation before a new one starts",
    )
    args = parser.parse_args()

    texts = [e.text for e in load_examples()]
    messages = [texts[i % len(texts)] for i in range(args.messages)]
    model = ensure_model()
    result: Dict[str, object] = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "model": model.name,
    }
    if not args.skip_train:
        print("Timing a full training run ...", flush=True)
        result["training_s"] = round(training_seconds(), 1)
    print("Timing make run -> first answer ...", flush=True)
    startups = startup_to_first_answer(args.startup_runs)
    result["startup_to_first_answer_s"] = {
        "median": round(statistics.median(startups), 1),
        "runs": [round(s, 1) for s in startups],
    }

    with tempfile.TemporaryDirectory() as workdir:
        # Measures the assistant, not the flood limit: 10 senders share one address here.
        stack = measuring_stack(model, Path(workdir), with_web=True)
        with stack:
            post(stack.rest_url, "warm-up", "hello")
            print(f"Latency over {args.messages} messages ...", flush=True)
            result["latency"] = [
                latency_run(stack.rest_url, messages, n, args.conversation_length) for n in (1, 10)
            ]
            result["peak_rss_mib"] = {
                p.name: round(peak_rss_mib(p.popen.pid), 1) for p in stack.processes if p.popen
            }

    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = f"{datetime.now(timezone.utc):%Y-%m-%d}-{socket.gethostname()}"
    (RESULTS / f"{stem}.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / f"{stem}.md").write_text(to_markdown(result))
    print(to_markdown(result))
    print(f"Recorded in {RESULTS / stem}.json and .md")
    return 0


def to_markdown(r: Dict) -> str:
    m = r["machine"]
    lines = [
        f"# Benchmark {r['date']}",
        "",
        f"Machine: {m['host']}, {m['cpus']} CPUs, {m['memory_gib']} GiB, Python {m['python']} "
        f"({m['platform']}). Model: {r['model']}. "
        "Shared, noisy machine: read ratios, not absolutes.",
        "",
    ]
    if "training_s" in r:
        lines.append(f"- Training (full, no cache): {r['training_s']} s")
    s = r["startup_to_first_answer_s"]
    lines.append(
        f"- `make run` to first answer (warm install, model trained): median {s['median']} s "
        f"(runs: {', '.join(map(str, s['runs']))})"
    )
    lines += [
        "",
        "| senders | messages | per conversation | p50 ms | p95 ms | p99 ms | msg/s |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in r["latency"]:
        lines.append(
            f"| {row['senders']} | {row['messages']} | {row['messages_per_conversation']} | "
            f"{row['p50_ms']} | {row['p95_ms']} | {row['p99_ms']} | {row['throughput_msg_per_s']} |"
        )
    lines += ["", "| process | peak RSS MiB |", "|---|---|"]
    lines += [f"| {name} | {rss} |" for name, rss in r["peak_rss_mib"].items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
