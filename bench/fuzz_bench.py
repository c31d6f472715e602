"""Benchmark: 10,000 fuzzed requests spread over every entry point of the real stack.

Starts the stack itself (Rasa server with every messaging channel on and its provider
APIs at a local fake, action server, web page with the studio), sends seeded random
malformed, huge, nested, binary, wrong-type and odd-Unicode requests one at a time,
and records per entry point: requests, 5xx, connection errors, stack traces in
answers, unexpected statuses and median latency; then whether every process is still
up and an ordinary question is answered. Target: 0 crashes. Writes
bench/results/fuzz-<date>.{json,md}.

    make bench-fuzz
    python bench/fuzz_bench.py --requests 2000 --seed 7 --model models/pit-....tar.gz
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fuzz_targets import Shot, Targets, Widget

from bot.bookings.config import DATABASE_URL_ENV
from bot.model_store import ensure_model
from bot.stack import MACHINE_SPEED_LIMITS, Stack, free_port
from bot.studio.app import SECRET_KEY_ENV
from tests.support.channel_clients import channel_env
from tests.support.fake_providers import FakeProviderApi
from tests.support.fuzz import ORDINARY_ANSWER, ORDINARY_QUESTION, send
from tests.support.fuzz_channels import make_user
from tests.support.fuzz_corpus import leaks
from tests.support.fuzz_studio import signed_in_admin
from tests.support.rest import RestChat

RESULTS = ROOT / "bench" / "results"
SEED = 20261201
STARTUP_TIMEOUT_S = 900.0  # a shared, busy 2-core machine can take minutes to load the model
# Requests per entry point out of 10,000 (scaled for --requests). Over 1,000 are
# well-formed messages whose fuzzed text goes through NLU (REST, socket.io, channels).
SHARES: Dict[str, int] = {
    "REST (malformed)": 1250,
    "REST (NLU)": 900,
    "Rasa server, other paths": 400,
    "socket.io events": 600,
    "socket.io transport": 400,
    "webhook twilio": 800,
    "webhook whatsapp": 800,
    "webhook telegram": 800,
    "webhook messenger": 800,
    "action server, no secret": 800,
    "action server, with secret": 800,
    "web page": 700,
    "studio, anonymous": 500,
    "studio, signed-in admin": 450,
}


@dataclass
class Tally:
    """What one entry point did under fuzzing."""

    requests: int = 0
    nlu: int = 0
    statuses: Counter = field(default_factory=Counter)
    server_errors: int = 0
    connection_errors: int = 0
    leaks: int = 0
    unexpected: int = 0
    latencies: List[float] = field(default_factory=list)
    examples: List[str] = field(default_factory=list)  # the first few problems, for the report

    def note(self, problem: str) -> None:
        if len(self.examples) < 3:
            self.examples.append(problem[:300])

    def summary(self) -> Dict[str, object]:
        ordered = sorted(self.latencies) or [0.0]
        return {
            "requests": self.requests,
            "well_formed_through_nlu": self.nlu,
            "status_classes": {f"{k}xx": v for k, v in sorted(self.statuses.items())},
            "5xx": self.server_errors,
            "connection_errors": self.connection_errors,
            "stack_traces_in_answers": self.leaks,
            "unexpected_status": self.unexpected,
            "median_ms": round(statistics.median(ordered) * 1000, 1),
            "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 1),
            "problems": self.examples,
        }


def plan(total: int, rng: random.Random) -> List[str]:
    """Entry point of each request, in a seeded random order."""
    scale = total / sum(SHARES.values())
    names = [name for name, share in SHARES.items() for _ in range(round(share * scale))]
    rng.shuffle(names)
    return names


def fire(tally: Tally, shot: Shot) -> None:
    tally.requests += 1
    started = time.perf_counter()
    try:
        status, answer, sent = shot.fire()
    except Exception as error:  # noqa: BLE001 - a dropped connection is what we count
        tally.connection_errors += 1
        tally.note(f"{type(error).__name__}: {error}")
        return
    tally.latencies.append(time.perf_counter() - started)
    tally.statuses[status // 100] += 1
    if status >= 500:
        tally.server_errors += 1
        tally.note(f"HTTP {status}: {answer[:200]!r}")
    found = leaks(answer, sent)
    if found:
        tally.leaks += 1
        tally.note(f"leak {found}: {answer[:200]!r}")
    if shot.expect is not None and status not in shot.expect and status < 500:
        tally.unexpected += 1
        tally.note(f"HTTP {status} (expected {shot.expect}): {answer[:120]!r}")
    if shot.nlu and status == 200:
        tally.nlu += 1


def tracebacks(workdir: Path) -> Dict[str, int]:
    """Stack traces in each process's log (the server's own record, not what clients saw)."""
    return {
        log.stem: log.read_text(errors="replace").count("Traceback (most recent call last)")
        for log in sorted(workdir.glob("*.log"))
    }


def status_of(url: str) -> int:
    """The HTTP status of a GET, 0 when nothing answers."""
    try:
        return send(url, method="GET", timeout=30)[0]
    except OSError:
        return 0


def after_checks(stack: Stack, fake: FakeProviderApi) -> Dict[str, object]:
    """Still up, and an ordinary question answered on REST and on a messaging channel."""
    time.sleep(5)  # channel messages are handled in the background: let them finish
    rest_ok = telegram_ok = False
    try:
        rest_ok = ORDINARY_ANSWER in RestChat(stack.rest_url).texts(ORDINARY_QUESTION)
        telegram = make_user("telegram", stack.rasa_url, fake)
        telegram.deliver_text(ORDINARY_QUESTION)
        replies = fake.wait_for(telegram.is_reply, 1, timeout=120)
        telegram_ok = any(ORDINARY_ANSWER in telegram.read(call)[0] for call in replies)
    except (OSError, AssertionError) as error:  # a server is gone: recorded, not hidden
        print(f"  the ordinary question was not answered: {error}", flush=True)
    stopped = [p for p in stack.processes if p.exited() is not None]
    return {
        "processes_still_running": not stopped,
        "stopped": {  # the end of a stopped process's log says why
            p.name: (p.log_path.read_text(errors="replace")[-3000:] if p.log_path else "")
            for p in stopped
        },
        "health": {
            "rasa": status_of(f"{stack.rasa_url}/"),
            "actions": status_of(f"{stack.actions_url}/health"),
            "web": status_of(stack.web_url or ""),
        },
        "ordinary_rest_answer": rest_ok,
        "ordinary_telegram_answer": telegram_ok,
    }


def run(total: int, seed: int, model: Path) -> Dict[str, object]:
    rng = random.Random(seed)
    random.seed(seed)  # the channel helpers draw phone numbers and chat ids from `random`
    fake = FakeProviderApi().start()
    with tempfile.TemporaryDirectory(prefix="pit-fuzz-") as workdir:
        database = f"sqlite:///{Path(workdir) / 'pit.db'}"
        # The channels are switched on from the environment the stack is started with.
        os.environ.update(channel_env(fake.url))
        os.environ[DATABASE_URL_ENV] = database
        os.environ[SECRET_KEY_ENV] = secrets.token_urlsafe(32)
        stack = Stack(
            model=model,
            workdir=Path(workdir),
            rasa_port=free_port(),
            actions_port=free_port(),
            web_port=free_port(),
            log_to_files=True,
            limits=MACHINE_SPEED_LIMITS,  # fuzz the inputs, not the flood limit
        )
        stack.start(timeout=STARTUP_TIMEOUT_S)
        try:
            RestChat(stack.rest_url).texts("hello")  # warm-up, not counted
            targets = Targets(stack, fake, signed_in_admin(database, stack.web_url or ""), rng)
            makers: Dict[str, Callable[[], Shot]] = targets.makers()
            makers["socket.io events"] = Widget(stack.rasa_url, rng).shot
            tallies: Dict[str, Tally] = defaultdict(Tally)
            started = time.perf_counter()
            for index, name in enumerate(plan(total, rng), start=1):
                fire(tallies[name], makers[name]())
                if index % 1000 == 0:
                    print(f"  {index} requests, {time.perf_counter() - started:.0f} s", flush=True)
            wall = time.perf_counter() - started
            after = after_checks(stack, fake)
            logged = tracebacks(Path(workdir))
        finally:
            stack.stop()
    fake.stop()
    per_entry = {name: tallies[name].summary() for name in SHARES if name in tallies}
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "model": model.name,
        "seed": seed,
        "requests": sum(t.requests for t in tallies.values()),
        "well_formed_through_nlu": sum(t.nlu for t in tallies.values()),
        "wall_s": round(wall, 1),
        "totals": {
            "5xx": sum(t.server_errors for t in tallies.values()),
            "connection_errors": sum(t.connection_errors for t in tallies.values()),
            "stack_traces_in_answers": sum(t.leaks for t in tallies.values()),
            "unexpected_status": sum(t.unexpected for t in tallies.values()),
        },
        "after": after,
        "tracebacks_in_server_logs": logged,
        "entry_points": per_entry,
    }


def to_markdown(r: Dict) -> str:
    after, totals = r["after"], r["totals"]
    lines = [
        f"# Fuzz benchmark {r['date']}",
        "",
        f"{r['requests']} fuzzed requests (seed {r['seed']}, one at a time) to every entry "
        f"point of the real stack, model {r['model']}; {r['well_formed_through_nlu']} were "
        f"well-formed messages whose fuzzed text went through NLU. Wall time {r['wall_s']} s "
        "on the shared 2-core machine. Command: `make bench-fuzz`.",
        "",
        f"- **5xx: {totals['5xx']}**, connection errors or crashes: "
        f"{totals['connection_errors']}, stack traces or exception text in answers: "
        f"{totals['stack_traces_in_answers']}, other unexpected statuses: "
        f"{totals['unexpected_status']}.",
        f"- Afterwards: every process still running: {after['processes_still_running']}; "
        f'health {after["health"]}; "{ORDINARY_QUESTION}" answered normally over REST: '
        f"{after['ordinary_rest_answer']}, over Telegram: {after['ordinary_telegram_answer']}.",
        f"- Stack traces in the servers' own logs: {r['tracebacks_in_server_logs']}.",
        "",
        "| entry point | requests | through NLU | 2xx/3xx/4xx/5xx | 5xx | conn. errors "
        "| traces in answers | unexpected | median ms | p95 ms |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, e in r["entry_points"].items():
        classes = e["status_classes"]
        spread = "/".join(str(classes.get(f"{c}xx", 0)) for c in (2, 3, 4, 5))
        lines.append(
            f"| {name} | {e['requests']} | {e['well_formed_through_nlu']} | {spread} "
            f"| {e['5xx']} | {e['connection_errors']} | {e['stack_traces_in_answers']} "
            f"| {e['unexpected_status']} | {e['median_ms']} | {e['p95_ms']} |"
        )
    problems = [(n, p) for n, e in r["entry_points"].items() for p in e["problems"]]
    if problems:
        lines += ["", "First problems seen:", ""]
        lines += [f"- {name}: `{problem}`" for name, problem in problems]
    lines += [
        "",
        "Latency is per request, sent one at a time. Socket.io events are fire-and-forget "
        "except the questions, timed to the first `bot_uttered`. Channel webhooks answer "
        "at once and handle the message in the background, so their latency is the "
        "acknowledgement. `unexpected` counts 4xx where a stricter answer was required "
        "(401 from the action server without its secret, 400/403 for unsigned deliveries, "
        "200 for well-formed messages).",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--model", type=Path, help="model file (default: the current one)")
    args = parser.parse_args()
    pinned: Optional[str] = os.environ.get("PIT_TEST_MODEL")
    model = args.model or (Path(pinned) if pinned else ensure_model())
    result = run(args.requests, args.seed, model)
    stem = f"fuzz-{datetime.now(timezone.utc):%Y-%m-%d}"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{stem}.json").write_text(json.dumps(result, indent=2) + "\n")
    markdown = to_markdown(result)
    (RESULTS / f"{stem}.md").write_text(markdown)
    print(markdown)
    print(f"Recorded in {RESULTS / stem}.json and .md")
    totals, after = result["totals"], result["after"]
    healthy = after["processes_still_running"] and after["ordinary_rest_answer"]
    return 0 if healthy and totals["5xx"] == 0 and totals["connection_errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
