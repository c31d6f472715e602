"""Benchmark: what the event broker costs the Rasa server, three endpoints side by side.

Three variants of the Rasa server's endpoints.yml, started the way benchmarks start the
stack (bot.stack.measuring_stack: loopback, free ports, throw-away workdir; no web
process, so nothing reads the queue) and measured in ONE run, interleaved A B C A B C ...
so the noise of the shared 2-core machine falls on all three alike:

  A. no event broker (the ``event_broker`` key removed from the written endpoints.yml);
  B. Rasa's own ``type: SQL`` broker, SQLite ``events.db`` in the workdir (one commit per
     event, on the request path);
  C. ours as shipped: ``bot.studio.inbox.broker.BufferedSQLEventBroker`` on the same file,
     exactly what bot.stack.write_endpoints writes (batches written by a thread every 0.2 s).

Each variant and round starts a fresh stack, warms up, then sends held-out patient
questions (tests/nlu/test_nlu.yml, as run_bench.py; a new conversation with
``/session_start`` every --conversation-length messages) over REST:

1. one sender: p50/p95 latency, and the Rasa server's CPU seconds (utime + stime of the
   process and its children, from /proc) divided by the patient messages sent;
2. --senders concurrent senders: messages per second and p95 latency.

About a second after the last message it counts the rows in events.db (the background
thread of C writes them late); B and C must hold about as many as each other.
Prints the medians per variant and the ratios B/A and C/A, and writes
bench/results/event-broker-<date>.md.

    make bench-event-broker
    python bench/event_broker_bench.py --rounds 3 --single 150 --concurrent 300
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Sequence

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import cpu_seconds, latency_run, machine, post
from bot.evaluation.nlu import load_examples
from bot.model_store import ensure_model
from bot.stack import Stack, measuring_stack
from bot.studio.inbox.source import EVENTS_FILE

RESULTS = ROOT / "bench" / "results"
STARTUP_TIMEOUT_S = 900.0  # a shared, busy 2-core machine can take minutes to load the model
SETTLE_S = 1.0  # before counting rows: C's thread writes every 0.2 s
SHIPPED = "bot.studio.inbox.broker.BufferedSQLEventBroker"

VARIANTS = {
    "A": "no event broker",
    "B": "Rasa `type: SQL` (commit per event)",
    "C": "ours: `BufferedSQLEventBroker` (as shipped)",
}


@dataclass
class BrokerStack(Stack):
    """measuring_stack's processes, with the variant's event broker in endpoints.yml."""

    variant: str = "C"

    def _build(self) -> List[Any]:
        processes = super()._build()
        path = self.workdir / "endpoints.yml"
        config = yaml.safe_load(path.read_text()) or {}
        shipped = config.get("event_broker") or {}
        if shipped.get("type") != SHIPPED:
            raise RuntimeError(f"endpoints.yml ships event_broker {shipped!r}, not {SHIPPED}")
        if self.variant == "A":
            config.pop("event_broker")
        elif self.variant == "B":
            # write_endpoints already made events.db (WAL mode), as for a shipped `type: SQL`.
            config["event_broker"] = {
                "type": "SQL",
                "dialect": "sqlite",
                "db": str(self.workdir / EVENTS_FILE),
            }
        path.write_text(yaml.safe_dump(config, sort_keys=False))
        self.broker = config.get("event_broker")
        return processes

    def rasa_pid(self) -> int:
        process = next(p for p in self.processes if p.name == "Rasa server")
        assert process.popen is not None
        return process.popen.pid


def count_rows(db: Path) -> int:
    if not db.exists():
        return 0
    connection = sqlite3.connect(db, timeout=30)
    try:
        tables = {r[0] for r in connection.execute("select name from sqlite_master")}
        if "events" not in tables:
            return 0
        return int(connection.execute("select count(*) from events").fetchone()[0])
    finally:
        connection.close()


def start(model: Path, workdir: Path, variant: str, attempts: int = 2) -> BrokerStack:
    """A started stack; a start that fails (the shared machine) is shown and tried again."""
    for attempt in range(1, attempts + 1):
        base = measuring_stack(model, workdir, with_web=False)
        stack = BrokerStack(**{**vars(base), "variant": variant})
        try:
            stack.start(timeout=STARTUP_TIMEOUT_S)
            return stack
        except RuntimeError as error:
            log = workdir / "rasa.log"
            tail = log.read_text(errors="replace").splitlines()[-15:] if log.exists() else []
            print(f"  start {attempt} failed: {error}\n    " + "\n    ".join(tail), flush=True)
            if attempt == attempts:
                raise
            for name in ("rasa.log", "actions.log"):
                (workdir / name).unlink(missing_ok=True)
    raise AssertionError("unreachable")


def measure(
    model: Path, variant: str, args: argparse.Namespace, single: Sequence[str], many: Sequence[str]
) -> Dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"broker-{variant}-") as tmp:
        workdir = Path(tmp)
        stack = start(model, workdir, variant)
        try:
            for i, text in enumerate(single[: args.warmup]):
                post(stack.rest_url, f"warm-{variant}-{i // args.conversation_length}", text)
            pid = stack.rasa_pid()
            before = cpu_seconds(pid)
            time.sleep(args.idle_seconds)
            idle = (cpu_seconds(pid) - before) / args.idle_seconds
            before, clock = cpu_seconds(pid), time.perf_counter()
            one = latency_run(stack.rest_url, single, 1, args.conversation_length)
            cpu_one, wall_one = cpu_seconds(pid) - before, time.perf_counter() - clock
            before = cpu_seconds(pid)
            concurrent = latency_run(stack.rest_url, many, args.senders, args.conversation_length)
            cpu_many = cpu_seconds(pid) - before
            time.sleep(SETTLE_S)
            rows = count_rows(workdir / EVENTS_FILE)
            broker = getattr(stack, "broker", None)
        finally:
            stack.stop()
        rows_after_stop = count_rows(workdir / EVENTS_FILE)
    return {
        "variant": variant,
        "broker": broker,
        "p50_ms": one["p50_ms"],
        "p95_ms": one["p95_ms"],
        "cpu_ms_per_msg": round(cpu_one * 1000 / one["messages"], 1),
        "idle_cpu_ms_per_s": round(idle * 1000, 1),
        "busy_cpu_ms_per_msg": round((cpu_one - idle * wall_one) * 1000 / one["messages"], 1),
        "wall_s_1": round(wall_one, 1),
        "messages_1": one["messages"],
        "msg_per_s": concurrent["throughput_msg_per_s"],
        "p95_ms_n": concurrent["p95_ms"],
        "cpu_ms_per_msg_n": round(cpu_many * 1000 / concurrent["messages"], 1),
        "messages_n": concurrent["messages"],
        "rows": rows,
        "rows_after_stop": rows_after_stop,
    }


METRICS = [
    ("p50_ms", "1 sender p50 ms", True),
    ("p95_ms", "1 sender p95 ms", True),
    ("cpu_ms_per_msg", "Rasa CPU ms / msg (1 sender)", True),
    ("busy_cpu_ms_per_msg", "same, less idle CPU", True),
    ("msg_per_s", "senders msg/s", False),
    ("p95_ms_n", "senders p95 ms", True),
    ("cpu_ms_per_msg_n", "Rasa CPU ms / msg (senders)", True),
]


def medians(runs: List[Dict[str, Any]]) -> Dict[str, Dict[str, float]]:
    out: Dict[str, Dict[str, float]] = {}
    for variant in VARIANTS:
        mine = [r for r in runs if r["variant"] == variant]
        out[variant] = {
            key: round(statistics.median(r[key] for r in mine), 1)
            for key, _, _ in METRICS + [("rows", "", True), ("rows_after_stop", "", True)]
        }
    return out


def ratio(a: float, b: float) -> str:
    return f"{b / a:.2f}" if a else "n/a"


def to_markdown(result: Dict[str, Any]) -> str:
    m = result["machine"]
    med = result["medians"]
    args = result["args"]
    lines = [
        f"# Event broker cost on the Rasa server ({result['date']})",
        "",
        f"Machine: {m['host']}, {m['cpus']} CPUs, {m['memory_gib']} GiB, Python {m['python']} "
        f"({m['platform']}); shared and noisy: read ratios and medians, not absolutes. "
        f"Model: {result['model']}.",
        f"Command: `{result['command']}`.",
        "",
        f"{args['rounds']} rounds, interleaved A B C per round, a fresh stack (action server + "
        "Rasa server, no web process, so nothing consumes the queue) per variant and round, "
        f"{args['warmup']} warm-up messages each. Messages: held-out patient questions "
        f"(tests/nlu/test_nlu.yml), {args['conversation_length']} per conversation (a new sender "
        f"and an untimed `/session_start` each). 1 sender: {args['single']} messages; "
        f"{args['senders']} concurrent senders: {args['concurrent']} messages. Rasa CPU = utime + "
        "stime of the Rasa server process and its children (/proc) over the phase, divided by "
        'the patient messages (the `/session_start` calls included in the CPU); "less idle '
        f"CPU\" first measures the Rasa server's CPU over {args['idle_seconds']} s with no "
        "requests (after the warm-up) and subtracts that rate times the phase's duration.",
        "",
        "Variants (endpoints.yml `event_broker` as the Rasa server got it):",
        "",
    ]
    for variant, label in VARIANTS.items():
        broker = next(r["broker"] for r in result["runs"] if r["variant"] == variant)
        lines.append(f"- **{variant}**: {label}: `{broker}`")
    header = ["variant"] + [label for _, label, _ in METRICS] + ["rows in events.db"]
    lines += ["", "## Medians of the rounds", ""]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for variant in VARIANTS:
        row = [variant] + [str(med[variant][k]) for k, _, _ in METRICS]
        row.append(str(int(med[variant]["rows"])))
        lines.append("| " + " | ".join(row) + " |")
    for other in ("B", "C"):
        row = [f"{other}/A"] + [ratio(med["A"][k], med[other][k]) for k, _, _ in METRICS]
        row.append("")
        lines.append("| " + " | ".join(row) + " |")
    lines += [
        "",
        "Ratios above 1 are worse for every column but msg/s (higher is better).",
        "",
        "## Every run, in the order measured",
        "",
    ]
    header = ["round", "variant"] + [label for _, label, _ in METRICS]
    header += ["Rasa idle CPU ms/s", "1-sender phase s"]
    header += ["rows ~1 s after the last reply", "rows after stop"]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in result["runs"]:
        row = [str(r["round"]), r["variant"]] + [str(r[k]) for k, _, _ in METRICS]
        row += [str(r["idle_cpu_ms_per_s"]), str(r["wall_s_1"])]
        row += [str(r["rows"]), str(r["rows_after_stop"])]
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "## Conclusion", ""]
    lines += result["conclusion"]
    return "\n".join(lines) + "\n"


def conclusion(med: Dict[str, Dict[str, float]]) -> List[str]:
    a, b, c = med["A"], med["B"], med["C"]

    def versus(x: Dict[str, float]) -> str:
        return (
            f"Rasa CPU per message x{ratio(a['cpu_ms_per_msg'], x['cpu_ms_per_msg'])} "
            f"(less idle x{ratio(a['busy_cpu_ms_per_msg'], x['busy_cpu_ms_per_msg'])}), "
            f"1-sender p50 x{ratio(a['p50_ms'], x['p50_ms'])}, "
            f"msg/s at concurrency x{ratio(a['msg_per_s'], x['msg_per_s'])}"
        )

    extra_b = b["p50_ms"] - a["p50_ms"]
    extra_c = c["p50_ms"] - a["p50_ms"]
    saved = (
        f"; C keeps {extra_c / extra_b * 100:.0f}% of the p50 that B adds to A"
        if extra_b > 0
        else "; B adds no p50 over A in this run"
    )
    same = abs(b["rows"] - c["rows"]) <= 0.05 * max(b["rows"], 1)
    return [
        f"- B (Rasa `type: SQL`) against A (no broker): {versus(b)}.",
        f"- C (ours, as shipped) against A: {versus(c)}{saved}.",
        f"- Rows in events.db (median per run): A {int(a['rows'])}, B {int(b['rows'])}, "
        f"C {int(c['rows'])} ({int(c['rows_after_stop'])} after stop): "
        + (
            "C writes the same events as B."
            if same
            else "C and B differ by more than 5%: check the broker."
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--single", type=int, default=150, help="messages with 1 sender")
    parser.add_argument("--concurrent", type=int, default=300, help="messages with --senders")
    parser.add_argument("--senders", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--conversation-length", type=int, default=10)
    parser.add_argument(
        "--idle-seconds", type=float, default=5.0, help="Rasa CPU with no requests, per run"
    )
    parser.add_argument("--model", type=Path, help="a trained model (default: ensure_model())")
    today = f"{datetime.now(timezone.utc):%Y-%m-%d}"
    parser.add_argument("--date", default=today, help="in the report's file name")
    args = parser.parse_args()

    texts = [e.text for e in load_examples()]
    single = [texts[i % len(texts)] for i in range(max(args.single, args.warmup))]
    many = [texts[i % len(texts)] for i in range(args.concurrent)]
    model: Path = args.model or ensure_model()
    command = (
        "make bench-event-broker  (python bench/event_broker_bench.py "
        f"--rounds {args.rounds} --single {args.single} --concurrent {args.concurrent} "
        f"--senders {args.senders}" + (f" --date {args.date})" if args.date != today else ")")
    )
    runs: List[Dict[str, Any]] = []
    started = time.monotonic()
    for round_ in range(1, args.rounds + 1):
        for variant in VARIANTS:
            print(f"Round {round_}, {variant} ({VARIANTS[variant]}) ...", flush=True)
            run = measure(model, variant, args, single[: args.single], many)
            run["round"] = round_
            runs.append(run)
            print(
                "  " + ", ".join(f"{k} {run[k]}" for k, _, _ in METRICS) + f", rows {run['rows']}",
                flush=True,
            )
    med = medians(runs)
    result: Dict[str, Any] = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "model": model.name,
        "command": command,
        "args": {
            "rounds": args.rounds,
            "single": args.single,
            "concurrent": args.concurrent,
            "senders": args.senders,
            "warmup": args.warmup,
            "conversation_length": args.conversation_length,
            "idle_seconds": args.idle_seconds,
        },
        "runs": runs,
        "medians": med,
        "wall_min": round((time.monotonic() - started) / 60, 1),
    }
    result["conclusion"] = conclusion(med)
    report = to_markdown(result)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"event-broker-{args.date}.md"
    out.write_text(report)
    print(report)
    print(f"Recorded in {out} ({result['wall_min']} min)")
    problems = [
        f"round {r['round']} {r['variant']}: {r['rows']} rows"
        for r in runs
        if (r["variant"] == "A") != (r["rows"] == 0)
    ]
    if problems:
        print("Unexpected events.db rows: " + "; ".join(problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
