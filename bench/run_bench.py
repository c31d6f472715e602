"""`make bench`: our assistant beside Rasa's `rasa init` starter bot, in one run (issue 13).

Both are measured on the same machine, in the same run, with the same load tool (Locust,
headless, bench/locustfile.py), the same messages (the held-out patient questions) and the
same conversation length (a new conversation every 10 messages). Rounds alternate which one
goes first, so the noise of the shared machine falls on both; figures are medians of the
rounds, and the ratio ours/anchor is the headline.

Per round and assistant: start it (ours: action server + Rasa server as `make run` starts
them; the anchor: `rasa run`), 20 warm-up messages, Locust with 1 user, then 10 users, a
500-turn conversation (p50 of turns 1-20 against 481-500; ours every round, the anchor in
round 1 only, its late turns take seconds), the peak RSS of each process, stop. Once: cold
start (`make run` to the first answer; for the anchor `rasa run` to its first answer), both
with trained models. Then one full training of our model with an empty cache (issue 14:
under 6 minutes), and the issues' targets, met or not.

    make bench                                   # 3 rounds, 30 s per load
    .venv/bin/python bench/run_bench.py --rounds 1 --seconds 10 --startup-runs 1   # a look

Writes bench/results/bench-<date>.{md,json} and Locust's CSVs in bench/results/locust-<date>/
(-2, -3 ... after the date for a later run the same day).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.anchor import ANCHOR_DIR, anchor_server, prepare_anchor  # noqa: E402
from bench.common import machine, peak_rss_mib, post, unused_tag  # noqa: E402
from bench.load import run_locust  # noqa: E402
from bench.nlu_training import timed_training  # noqa: E402
from bot.environment import rasa_env  # noqa: E402
from bot.evaluation.nlu import load_examples  # noqa: E402
from bot.model_store import ensure_model, train_command  # noqa: E402
from bot.settings import PROJECT_ROOT  # noqa: E402
from bot.stack import (  # noqa: E402
    STARTUP_TIMEOUT_S,
    Process,
    free_port,
    measuring_stack,
    wait_until_healthy,
)

RESULTS = ROOT / "bench" / "results"
WARM_UP = 20
Figures = Dict[str, Any]

# Issue 13's targets on this machine (medians of the rounds).
TARGETS = (
    ("10 users: msg/s at least 2x the anchor's", lambda r: r["ratio"]["msg_per_s_10"] >= 2.0),
    ("10 users: p95 below the anchor's", lambda r: r["ratio"]["p95_ms_10"] < 1.0),
    ("1 user: p50 at most 60 ms", lambda r: r["ours"]["p50_ms_1"] <= 60),
    ("turn 500: p50 at most 1.5x turn 10", lambda r: r["ours"]["long_ratio"] <= 1.5),
    ("Rasa process at most 1 GB RSS", lambda r: r["ours"]["rasa_rss_mib"] <= 1024),
    ("cold start at most 20 s", lambda r: r["ours"]["cold_start_s"] <= 20),
)
# Issue 14's: a full training of our model (the `make train` command) on this machine.
TRAINING_TARGET_S = 6 * 60


def training_seconds(folder: Path) -> Optional[float]:
    """Seconds of one full training of our model, as `make train` runs it (config, domain,
    data; policies included), into ``folder`` with an empty Rasa cache of its own, so that
    every component really trains. None when the training failed (its output is shown)."""
    command = train_command(PROJECT_ROOT, folder / "models", "bench")
    done, seconds = timed_training(command, folder / "cache", rasa_env())
    if done.returncode != 0:
        print((done.stdout + done.stderr)[-3000:], file=sys.stderr)
        return None
    return round(seconds, 1)


def long_conversation(
    url: str, messages: Sequence[str], turns: int, allow_empty: bool = False
) -> Dict[str, float]:
    """One conversation of ``turns`` messages: p50 of its first 20 turns and its last 20."""
    sender = f"bench-long-{uuid.uuid4().hex[:8]}"
    timings = [
        post(url, sender, messages[i % len(messages)], allow_empty) * 1000 for i in range(turns)
    ]
    first, last = statistics.median(timings[:20]), statistics.median(timings[-20:])
    return {"turns": turns, "first_p50_ms": round(first, 1), "last_p50_ms": round(last, 1)}


def cold_start(
    command: List[str], url: str, env: Dict[str, str], runs: int, cwd: Path = ROOT
) -> List[float]:
    """Seconds from starting ``command`` in ``cwd`` to its first answer (models already
    trained)."""
    results = []
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        try:
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"{command[0]} exited before answering")
                try:
                    post(url, f"bench-start-{uuid.uuid4().hex[:6]}", "hello")
                    break
                except OSError:
                    time.sleep(0.25)
            results.append(round(time.perf_counter() - started, 1))
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=60)
    return results


def ours_cold_start(
    runs: int, cwd: Path = ROOT, extra_env: Optional[Dict[str, str]] = None
) -> List[float]:
    """`make run` in ``cwd`` to its first answer, on free ports."""
    rasa, actions, web = free_port(), free_port(), free_port()
    env = dict(
        os.environ,
        PIT_RASA_PORT=str(rasa),
        PIT_ACTIONS_PORT=str(actions),
        PIT_WEB_PORT=str(web),
        **(extra_env or {}),
    )
    url = f"http://127.0.0.1:{rasa}/webhooks/rest/webhook"
    return cold_start(["make", "run"], url, env, runs, cwd)


def anchor_cold_start(model: Path, runs: int, workdir: Path) -> List[float]:
    port = free_port()
    server = anchor_server(model, port, workdir / "anchor-cold.log")
    url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
    return cold_start(server.command, url, rasa_env(), runs)


class Running:
    """One assistant started for a round: its REST URL and its processes."""

    def __init__(self, url: str, processes: List[Process], stop: Callable[[], None]):
        self.url, self.processes, self.stop = url, processes, stop


def start_ours(model: Path, workdir: Path) -> Running:
    stack = measuring_stack(model, workdir)
    stack.start()
    return Running(stack.rest_url, stack.processes, stack.stop)


def start_anchor(
    model: Path, workdir: Path, directory: Path = ANCHOR_DIR, name: str = "anchor"
) -> Running:
    """`rasa run` for the starter bot (or another plain Rasa project in ``directory``)."""
    port = free_port()
    server = anchor_server(
        model, port, workdir / f"{name}.log", directory=directory, name=f"{name} Rasa server"
    )
    server.start(rasa_env())
    wait_until_healthy([server], STARTUP_TIMEOUT_S, server.stop)
    return Running(f"http://127.0.0.1:{port}/webhooks/rest/webhook", [server], server.stop)


def measure(
    name: str, running: Running, messages: Sequence[str], args: argparse.Namespace, out: Path,
    round_number: int, long_turns: int,
) -> Figures:  # fmt: skip
    """Warm-up, Locust at 1 and 10 users, the long conversation when asked, peak RSS.

    The starter bot has no answer for some patient questions (its trained policies predict
    listening, differently from one training to the next): a 200 with no messages is its
    answer then, and counts for it. Ours must always answer."""
    allow_empty = name == "anchor"
    for i in range(WARM_UP):
        post(running.url, f"bench-warm-{i}", messages[i % len(messages)], allow_empty)
    host = running.url.split("/webhooks/")[0]
    figures: Figures = {}
    for users in (1, 10):
        prefix = out / f"{name}-round{round_number}-{users}users"
        figures[f"load_{users}"] = run_locust(
            host, messages, users, args.seconds, prefix, allow_empty=allow_empty
        )
        for extra in ("stats_history", "exceptions"):
            Path(f"{prefix}_{extra}.csv").unlink(missing_ok=True)
    if long_turns:
        figures["long"] = long_conversation(running.url, messages, long_turns, allow_empty)
    figures["peak_rss_mib"] = {
        p.name: round(peak_rss_mib(p.popen.pid), 1) for p in running.processes if p.popen
    }
    return figures


def summarise(name: str, rounds: List[Figures], cold: List[float]) -> Figures:
    def median(key: str, users: int) -> float:
        return round(statistics.median(r[f"load_{users}"][key] for r in rounds), 2)

    # Ours runs the long conversation every round (medians, as the target asks); the anchor
    # once, in round 1 (its late turns take seconds each).
    longs = [r["long"] for r in rounds if "long" in r]
    ratios = [lg["last_p50_ms"] / lg["first_p50_ms"] for lg in longs]
    long = {
        "first_p50_ms": round(statistics.median(lg["first_p50_ms"] for lg in longs), 1),
        "last_p50_ms": round(statistics.median(lg["last_p50_ms"] for lg in longs), 1),
    }
    rasa_rss = statistics.median(
        max(v for k, v in r["peak_rss_mib"].items() if "Rasa" in k) for r in rounds
    )
    return {
        "name": name,
        **{
            f"{k}_{u}": median(k, u)
            for k in ("msg_per_s", "p50_ms", "p95_ms", "p99_ms")
            for u in (1, 10)
        },  # fmt: skip
        "failures": sum(r[f"load_{u}"]["failures"] for r in rounds for u in (1, 10)),
        "long_first_p50_ms": long["first_p50_ms"],
        "long_last_p50_ms": long["last_p50_ms"],
        "long_ratio": round(statistics.median(ratios), 2),
        "long_ratio_runs": [round(ratio, 2) for ratio in ratios],
        "rasa_rss_mib": round(rasa_rss, 1),
        "rss_mib": {
            k: round(statistics.median(r["peak_rss_mib"][k] for r in rounds), 1)
            for k in rounds[0]["peak_rss_mib"]
        },
        "cold_start_s": statistics.median(cold),
        "cold_start_runs": cold,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=30, help="Locust run time per load")
    parser.add_argument("--startup-runs", type=int, default=3)
    parser.add_argument("--long-turns", type=int, default=500)
    parser.add_argument("--model", help="our model file (default: the model for the data)")
    parser.add_argument(
        "--no-training", action="store_true", help="skip the timed training (a quick look)"
    )
    args = parser.parse_args()

    messages = [e.text for e in load_examples()]
    ours_model = Path(args.model) if args.model else ensure_model()
    anchor_model = prepare_anchor()
    stamp = datetime.now(timezone.utc)
    # bench-<tag>.{md,json} and locust-<tag>/, the tag the date (-2, -3 ... for later runs)
    tag = unused_tag(f"{stamp:%Y-%m-%d}", ["bench-{}.md", "bench-{}.json", "locust-{}"])
    out = RESULTS / f"locust-{tag}"
    result: Figures = {
        "date": stamp.isoformat(timespec="seconds"),
        "machine": machine(),
        "models": {"ours": ours_model.name, "anchor": anchor_model.name},
        "settings": vars(args),
        "rounds": {"ours": [], "anchor": []},
    }
    starters = {"ours": start_ours, "anchor": start_anchor}
    models = {"ours": ours_model, "anchor": anchor_model}
    with tempfile.TemporaryDirectory(prefix="pit-bench-") as workdir:
        for number in range(1, args.rounds + 1):
            order = ["anchor", "ours"] if number % 2 else ["ours", "anchor"]
            for name in order:
                print(f"Round {number}: {name} ...", flush=True)
                folder = Path(workdir) / f"{name}-{number}"
                folder.mkdir()
                running = starters[name](models[name], folder)
                try:
                    figures = measure(
                        name, running, messages, args, out, number,
                        args.long_turns if number == 1 or name == "ours" else 0,
                    )  # fmt: skip
                finally:
                    running.stop()
                result["rounds"][name].append(figures)
        print("Cold starts ...", flush=True)
        cold = {
            "ours": ours_cold_start(args.startup_runs),
            "anchor": anchor_cold_start(anchor_model, args.startup_runs, Path(workdir)),
        }
        if not args.no_training:
            print("Training our model once, with an empty cache ...", flush=True)
            result["training_s"] = training_seconds(Path(workdir) / "training")
    result["ours"] = summarise("ours", result["rounds"]["ours"], cold["ours"])
    result["anchor"] = summarise("anchor", result["rounds"]["anchor"], cold["anchor"])
    result["ratio"] = {
        key: round(result["ours"][key] / result["anchor"][key], 2)
        for key in ("msg_per_s_1", "msg_per_s_10", "p50_ms_1", "p95_ms_1", "p50_ms_10",
                    "p95_ms_10", "p99_ms_10", "rasa_rss_mib", "cold_start_s", "long_ratio")
        if result["anchor"][key]
    }  # fmt: skip
    result["targets"] = [{"target": text, "met": bool(check(result))} for text, check in TARGETS]
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"bench-{tag}"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    report = to_markdown(result)
    stem.with_suffix(".md").write_text(report)
    print(report)
    print(f"Recorded in {stem}.md and .json; Locust's CSVs in {out}")
    return 0


def to_markdown(r: Figures) -> str:
    m, o, a, q = r["machine"], r["ours"], r["anchor"], r["ratio"]
    s = r["settings"]
    rows = [
        ("1 user: msg/s", "msg_per_s_1"),
        ("1 user: p50 ms", "p50_ms_1"),
        ("1 user: p95 ms", "p95_ms_1"),
        ("10 users: msg/s", "msg_per_s_10"),
        ("10 users: p50 ms", "p50_ms_10"),
        ("10 users: p95 ms", "p95_ms_10"),
        ("10 users: p99 ms", "p99_ms_10"),
        ("Rasa process peak RSS MiB", "rasa_rss_mib"),
        ("cold start s (median)", "cold_start_s"),
        ("long conversation: p50 turns 1-20 ms", "long_first_p50_ms"),
        (f"long conversation: p50 turns {s['long_turns'] - 19}-{s['long_turns']} ms",
         "long_last_p50_ms"),
        ("long conversation: last / first", "long_ratio"),
    ]  # fmt: skip
    lines = [
        f"# `make bench`: ours beside the `rasa init` starter bot ({r['date']})",
        "",
        f"Machine: {m['host']}, {m['cpus']} CPUs, {m['memory_gib']} GiB, Python {m['python']} "
        f"({m['platform']}). Shared and noisy: read the ratios and medians. Models: ours "
        f"`{r['models']['ours']}`, anchor `{r['models']['anchor']}` (`rasa init --no-prompt`, "
        f"untouched). Command: `make bench` (`bench/run_bench.py --rounds {s['rounds']} "
        f"--seconds {s['seconds']} --startup-runs {s['startup_runs']} --long-turns "
        f"{s['long_turns']}`). Load: Locust {s['seconds']} s per load, a new conversation "
        "every 10 messages, the held-out patient questions for both; medians of the rounds, "
        "which alternate who goes first. Load tool and servers share the 2 cores.",
        "",
        "| figure | ours | anchor | ours / anchor |",
        "|---|---|---|---|",
    ]
    for label, key in rows:
        ratio = q.get(key, "")
        lines.append(f"| {label} | {o[key]} | {a[key]} | {ratio} |")
    lines += [
        f"| failed requests (all rounds) | {o['failures']} | {a['failures']} | |",
        "",
        f"Cold start runs (s): ours {o['cold_start_runs']} (`make run` to the first answer), "
        f"anchor {a['cold_start_runs']} (`rasa run` to the first answer).",
        "",
        f"Long conversation, last / first per run: ours {o['long_ratio_runs']} (one per "
        f"round, the median above), anchor {a['long_ratio_runs']} (round 1).",
        "",
        "Peak RSS per process (MiB, median of rounds): "
        + "; ".join(f"{k} {v}" for k, v in {**o["rss_mib"], **a["rss_mib"]}.items()),
        "",
        "## Issue 13's targets",
        "",
        "| target | met |",
        "|---|---|",
    ]
    lines += [f"| {t['target']} | {'yes' if t['met'] else '**no**'} |" for t in r["targets"]]
    if "training_s" in r:
        trained = r["training_s"]
        shown = "failed" if trained is None else f"{trained} s ({trained / 60:.1f} min)"
        met = trained is not None and trained <= TRAINING_TARGET_S
        lines += [
            "",
            "## Issue 14's training target",
            "",
            f"One full training of our model (the `make train` command: `rasa train` on "
            f"config.yml, domain.yml and data/, policies included) with an empty Rasa cache, "
            f"after the loads: **{shown}**. Under {TRAINING_TARGET_S // 60} minutes: "
            f"{'yes' if met else '**no**'}.",
        ]
    lines += ["", "## Rounds", ""]
    for name in ("ours", "anchor"):
        for number, figures in enumerate(r["rounds"][name], 1):
            one, ten = figures["load_1"], figures["load_10"]
            lines.append(
                f"- {name} round {number}: 1 user {one['msg_per_s']} msg/s p50 {one['p50_ms']} "
                f"ms p95 {one['p95_ms']} ms; 10 users {ten['msg_per_s']} msg/s p50 "
                f"{ten['p50_ms']} ms p95 {ten['p95_ms']} ms; failures "
                f"{one['failures'] + ten['failures']}"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
