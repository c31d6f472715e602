"""Run Locust headless against one REST URL and read its CSV (bench/locustfile.py)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import IO, Dict, Sequence

ROOT = Path(__file__).resolve().parent.parent
LOCUST = ROOT / "build" / "locust-venv" / "bin" / "locust"
LOCUSTFILE = ROOT / "bench" / "locustfile.py"


def run_locust(
    host: str,
    messages: Sequence[str],
    users: int,
    seconds: int,
    csv_prefix: Path,
    per_conversation: int = 10,
    allow_empty: bool = False,
) -> Dict[str, float]:
    """``users`` patients for ``seconds``; the aggregated figures of Locust's stats CSV.
    ``allow_empty``: a 200 with no messages is an answer (the starter bot's silence)."""
    if not LOCUST.exists():
        raise RuntimeError("Locust is missing: run scripts/setup-locust.sh (make bench does)")
    csv_prefix.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(list(messages), handle)
    env = dict(
        os.environ,
        PIT_BENCH_MESSAGES=handle.name,
        PIT_BENCH_CONVERSATION=str(per_conversation),
        PIT_BENCH_ALLOW_EMPTY="1" if allow_empty else "0",
    )
    try:
        with open(f"{csv_prefix}.log", "w", encoding="utf-8") as log:
            _locust(host, users, seconds, csv_prefix, env, log)
    finally:
        os.unlink(handle.name)
    return _aggregated(csv_prefix, users, seconds)


def _locust(
    host: str, users: int, seconds: int, csv_prefix: Path, env: Dict[str, str], log: IO[str]
) -> None:
    # fmt: off
    subprocess.run(
        [
            str(LOCUST), "-f", str(LOCUSTFILE), "--headless", "--only-summary",
            "-u", str(users), "-r", str(users), "-t", f"{seconds}s",
            "--host", host, "--csv", str(csv_prefix), "--stop-timeout", "30",
            "--loglevel", "WARNING",
        ],
        env=env, check=False, stdout=subprocess.DEVNULL, stderr=log, timeout=seconds + 180,
    )
    # fmt: on


def _aggregated(csv_prefix: Path, users: int, seconds: int) -> Dict[str, float]:
    with open(f"{csv_prefix}_stats.csv", newline="", encoding="utf-8") as stats:
        row = next(r for r in csv.DictReader(stats) if r["Name"] == "Aggregated")
    return {
        "users": users,
        "seconds": seconds,
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "msg_per_s": round(float(row["Requests/s"]), 2),
        "p50_ms": float(row["50%"]),
        "p95_ms": float(row["95%"]),
        "p99_ms": float(row["99%"]),
    }
