"""Benchmark: the per-message savings of 2026-12-02 and 12-03, one after another, side by side.

Seven configurations of the Rasa server, each added change on top of the one before, all
started the way benchmarks start the stack (bot.stack.measuring_stack: loopback, free ports,
SQLite tracker store and event queue in a throw-away workdir, no web process) and measured in
ONE run, interleaved (A to G per phase, round after round) so the noise of the shared
2-core machine falls on all of them alike:

  A. before: the model trained with the old domain (the nine ``clinic_*`` slots mapped with
     ``type: custom`` + ``action: action_session_start``), Rasa's ``type: SQL`` tracker store,
     and ``PIT_RASA_SPEEDUPS=0`` (Rasa re-checks its action-reply JSON schema on every reply);
  B. + schema check once: as A with ``PIT_RASA_SPEEDUPS=schema`` (bot/rasa_speedups.py);
  C. + streaming tracker store: as B with ``bot.tracker_store.StreamingSQLTrackerStore`` (as
     shipped in endpoints.yml) instead of ``type: SQL``, keeping no rows (``cached_chars: 0``);
  D. + no per-message session action: as C with the model trained with custom mappings that
     name no action (so ``action_extract_slots`` no longer calls the action server at every
     message);
  E. + event classes from a table: as D with bot/rasa_speedups.py but its windows
     (``PIT_RASA_SPEEDUPS=no-windows``);
  F. + session rows kept: as E with the session rows kept between messages (only new rows
     are read at each message);
  G. after: as F with the rule window (bot/rule_window.py), action calls that carry the
     current turn (bot/action_payload.py) and endpoints.yml's ``enable_selective_domain``
     (the domain goes only to the forms' validation): as shipped.

The event broker is the shipped one (``BufferedSQLEventBroker``) in all of them. Both models
are found in models/ by the training fingerprint of the current config.yml and data/ with
each variant of domain.yml (rebuilt from whichever of the two domain.yml holds now: the
action put back under each clinic slot's custom mapping, or taken out); a missing one is
trained once and kept there (--before-model / --after-model name other files).

Each round starts a fresh stack per configuration, all at once, then runs each phase for
each configuration in turn while the other stacks wait idle, over REST:

1. one sender, --single held-out patient questions (tests/nlu/test_nlu.yml, shuffled with a
   fixed seed), a new conversation (untimed ``/session_start``) every --conversation-length
   messages: p50/p95 latency, CPU ms per message of the Rasa server and of the action server
   (/proc, utime + stime), and the custom-action calls per message (the action server runs
   through bench/profile_hooks.py, which writes one line per call; the Rasa server is not
   hooked);
2. --senders concurrent senders for --concurrent-seconds: messages per second and p95;
3. in the first --long-rounds round(s) only (the slowest phase), one long conversation of
   --long messages per configuration: p50 of the first --window turns against p50 of the
   last --window turns (Rasa loads, stores and sends the whole session every turn); those
   are timed with the other stacks idle, the untimed turns in between go to all at once.

Prints the medians per configuration and the ratios to A, and writes
bench/results/per-message-<date>.md.

    make bench-per-message
    python bench/per_message_bench.py --rounds 3
    python bench/per_message_bench.py --quick          # a smoke run of a few minutes
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import cpu_seconds, machine, percentile, post
from bot.action_server import SELECTIVE_DOMAIN_KEY
from bot.environment import rasa_env
from bot.evaluation.nlu import load_examples
from bot.model_store import model_path_for, train_command, training_fingerprint
from bot.nlp.pipeline import build_and_save
from bot.rasa_speedups import NO_WINDOWS, SCHEMA_ONLY, SWITCH_ENV
from bot.stack import Process, Stack, measuring_stack
from bot.tracker_store import CLASS_PATH as STREAMING_STORE

RESULTS = ROOT / "bench" / "results"
HOOKS = Path(__file__).resolve().parent / "profile_hooks.py"
STARTUP_TIMEOUT_S = 900.0  # a shared, busy 2-core machine can take minutes to load a model
SEED = 13
SESSION_ACTION = "action_session_start"
CLINIC_SLOTS = 9


@dataclass(frozen=True)
class Config:
    label: str
    before_model: bool
    tracker_store: str  # "SQL" (Rasa's) or STREAMING_STORE (ours)
    speedups: str  # the Rasa server's SWITCH_ENV: "0", SCHEMA_ONLY or "1" (all)
    keep_rows: bool = False  # ours only: session rows kept between messages (as shipped)
    selective_domain: bool = False  # endpoints.yml's enable_selective_domain (as shipped)


CONFIGS: Dict[str, Config] = {
    "A": Config("before", True, "SQL", "0"),
    "B": Config("+ schema check once", True, "SQL", SCHEMA_ONLY),
    "C": Config("+ streaming tracker store", True, STREAMING_STORE, SCHEMA_ONLY),
    "D": Config("+ no per-message session action", False, STREAMING_STORE, SCHEMA_ONLY),
    "E": Config("+ event classes from a table", False, STREAMING_STORE, NO_WINDOWS),
    "F": Config("+ session rows kept", False, STREAMING_STORE, NO_WINDOWS, keep_rows=True),
    "G": Config(
        "after (+ rule window, turn-only action calls, selective domain)",
        False,
        STREAMING_STORE,
        "1",
        keep_rows=True,
        selective_domain=True,
    ),
}


# ---------------------------------------------------------------------------------------
# The two models

# The comment above the clinic_* slots in the domain without the action (commit 53a3eb0):
# written back so that the rebuilt text, hence the training fingerprint, is the trained one's.
NOTE = (
    "  # clinic_*: set by action_session_start (actions/session.py) when a session starts. "
    "Their\n"
    "  # custom mappings name no action: one that did made Rasa call the action server with "
    "the\n"
    "  # whole conversation at every message, for values that do not change.\n"
)


def domain_variant(domain: str, session_action: bool) -> Tuple[str, int, int]:
    """domain.yml's text with (before) or without (after) ``action: action_session_start``
    under each clinic_* slot's ``- type: custom`` mapping, whichever of the two ``domain`` is.
    Returns the text, the number of clinic_* custom mappings and how many of them named the
    action in ``domain``."""
    lines = domain.splitlines(keepends=True)
    out: List[str] = []
    slot: Optional[str] = None
    mappings = named = 0
    in_note = False
    for index, line in enumerate(lines):
        if line.startswith("  # clinic_*:"):
            in_note = True
            continue
        if in_note and line.startswith("  # "):
            continue
        in_note = False
        match = re.match(r"^  (\w+):\s*$", line)
        if match:
            slot = match.group(1)
        elif re.match(r"^\S", line):
            slot = None
        clinic = bool(slot and slot.startswith("clinic_"))
        if clinic and line.strip() == f"action: {SESSION_ACTION}":
            if index and lines[index - 1].strip() == "- type: custom":
                named += 1
                continue
        out.append(line)
        if line.rstrip() == "slots:" and not session_action:
            out.append(NOTE)
        if clinic and line.strip() == "- type: custom":
            mappings += 1
            if session_action:
                indent = line[: len(line) - len(line.lstrip())]
                out.append(f"{indent}  action: {SESSION_ACTION}\n")
    return "".join(out), mappings, named


def domain_model(session_action: bool) -> Path:
    """The model for the current config and data with the domain variant: from models/ when
    there (found by its training fingerprint), else trained once into models/."""
    name = "before" if session_action else "after"
    with tempfile.TemporaryDirectory(prefix=f"per-message-{name}-") as tmp:
        root = Path(tmp)
        shutil.copy(ROOT / "config.yml", root / "config.yml")
        shutil.copytree(ROOT / "data", root / "data")
        text = (ROOT / "domain.yml").read_text(encoding="utf-8")
        domain, mappings, _ = domain_variant(text, session_action)
        if mappings != CLINIC_SLOTS:
            raise SystemExit(
                f"expected {CLINIC_SLOTS} clinic_* slots with a custom mapping in domain.yml, "
                f"found {mappings}: the '{name}' domain cannot be rebuilt"
            )
        (root / "domain.yml").write_text(domain, encoding="utf-8")
        build_and_save()  # the spaCy pipeline's marker is part of the fingerprint
        fingerprint = training_fingerprint(root)
        target = model_path_for(fingerprint)
        if target.exists():
            print(f"'{name}' model: {target.relative_to(ROOT)}", flush=True)
            return target
        print(f"Training the '{name}' model (fingerprint {fingerprint}) ...", flush=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="per-message-train-") as out:
            result = subprocess.run(
                train_command(root, Path(out), fingerprint), cwd=ROOT, env=rasa_env()
            )
            trained = model_path_for(fingerprint, Path(out))
            if result.returncode != 0 or not trained.exists():
                raise SystemExit(f"Training the '{name}' model failed (exit {result.returncode})")
            shutil.move(str(trained), target)
        print(f"'{name}' model ready: {target.relative_to(ROOT)}", flush=True)
        return target


def shipped_domain() -> str:
    """Which of the two domains domain.yml is now."""
    _, mappings, named = domain_variant((ROOT / "domain.yml").read_text(encoding="utf-8"), True)
    if named == mappings:
        return "before (the clinic_* slots' custom mappings name the session action)"
    if named == 0:
        return "after (the clinic_* slots' custom mappings name no action)"
    return f"mixed ({named} of {mappings} clinic_* mappings name the session action)"


# ---------------------------------------------------------------------------------------
# The stack


@dataclass
class ConfigStack(Stack):
    """measuring_stack's processes with the configuration's tracker store in endpoints.yml
    and the action server started through bench/profile_hooks.py (counts action calls)."""

    tracker_type: str = STREAMING_STORE
    keep_rows: bool = True
    count_actions: bool = True
    selective_domain: bool = True

    def _build(self) -> List[Process]:
        processes = super()._build()
        path = self.workdir / "endpoints.yml"
        config = yaml.safe_load(path.read_text()) or {}
        shipped = config.get("tracker_store") or {}
        if shipped.get("type") != STREAMING_STORE:
            raise RuntimeError(f"endpoints.yml ships tracker_store {shipped!r}, not ours")
        shipped["type"] = self.tracker_type
        if self.tracker_type == STREAMING_STORE and not self.keep_rows:
            shipped["cached_chars"] = 0
        config["action_endpoint"][SELECTIVE_DOMAIN_KEY] = self.selective_domain
        path.write_text(yaml.safe_dump(config, sort_keys=False))
        self.tracker = dict(shipped)
        if self.count_actions:
            actions = next(p for p in processes if p.name == "action server")
            assert actions.command[1:4] == ["-m", "bot", "actions"], actions.command
            actions.command = [
                actions.command[0],
                str(HOOKS),
                str(self.action_events),
                *actions.command[2:],
            ]
        return processes

    @property
    def action_events(self) -> Path:
        return self.workdir / "action-server.events.jsonl"

    def pid(self, name: str) -> int:
        process = next(p for p in self.processes if p.name == name)
        assert process.popen is not None
        return process.popen.pid


def start(model: Path, workdir: Path, config: Config, args: argparse.Namespace) -> ConfigStack:
    """A started stack; a start that fails (the shared machine) is shown and tried again."""
    for attempt in (1, 2):
        base = measuring_stack(model, workdir, with_web=False)
        fields = {**vars(base), "extra_env": {SWITCH_ENV: config.speedups}}
        stack = ConfigStack(
            **fields,
            tracker_type=config.tracker_store,
            keep_rows=config.keep_rows,
            selective_domain=config.selective_domain,
            count_actions=not args.no_count,
        )
        try:
            stack.start(timeout=STARTUP_TIMEOUT_S)
            return stack
        except RuntimeError as error:
            log = workdir / "rasa.log"
            tail = log.read_text(errors="replace").splitlines()[-15:] if log.exists() else []
            print(f"  start {attempt} failed: {error}\n    " + "\n    ".join(tail), flush=True)
            if attempt == 2:
                raise
            for name in ("rasa.log", "actions.log"):
                (workdir / name).unlink(missing_ok=True)
    raise AssertionError("unreachable")


def server_env(pid: int, name: str) -> Optional[str]:
    """``name`` in a running process's environment (to show what the server really got)."""
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return None
    for item in raw.split(b"\0"):
        key, _, value = item.partition(b"=")
        if key.decode(errors="replace") == name:
            return value.decode(errors="replace")
    return None


# ---------------------------------------------------------------------------------------
# Sending


class ActionTail:
    """Action calls (names) the action server recorded since the last read."""

    def __init__(self, path: Path, enabled: bool) -> None:
        self.path = path
        self.enabled = enabled
        self.offset = path.stat().st_size if enabled and path.exists() else 0

    def read(self) -> List[str]:
        if not self.enabled or not self.path.exists():
            return []
        with open(self.path, "rb") as handle:
            handle.seek(self.offset)
            data = handle.read()
        end = data.rfind(b"\n") + 1
        self.offset += end
        names = []
        for line in data[:end].splitlines():
            event = json.loads(line) if line.strip() else {}
            if event.get("k") == "sdk.action":
                names.append(str(event.get("name")))
        return names


class Failures:
    """Requests that got no answer (HTTP error, time-out, empty reply), with a few samples."""

    def __init__(self) -> None:
        self.count = 0
        self.samples: List[str] = []
        self.lock = threading.Lock()

    def add(self, phase: str, error: BaseException) -> None:
        with self.lock:
            self.count += 1
            if len(self.samples) < 5:
                self.samples.append(f"{phase}: {type(error).__name__}: {error}"[:200])


def send(url: str, sender: str, text: str, phase: str, failures: Failures) -> Optional[float]:
    try:
        return post(url, sender, text)
    except (OSError, RuntimeError, ValueError, urllib.error.URLError) as error:
        failures.add(phase, error)
        return None


def new_conversation(url: str, tag: str, failures: Failures) -> str:
    sender = f"pm-{tag}-{uuid.uuid4().hex[:8]}"
    send(url, sender, "/session_start", tag, failures)
    return sender


def one_sender(
    stack: ConfigStack, texts: Sequence[str], length: int, failures: Failures
) -> Dict[str, Any]:
    rasa, actions = stack.pid("Rasa server"), stack.pid("action server")
    tail = ActionTail(stack.action_events, stack.count_actions)
    timings: List[float] = []
    calls: Counter = Counter()
    sender = ""
    cpu_rasa, cpu_actions = cpu_seconds(rasa), cpu_seconds(actions)
    started = time.perf_counter()
    for index, text in enumerate(texts):
        if index % length == 0:
            sender = new_conversation(stack.rest_url, "single", failures)
            tail.read()  # the session start's own calls are not a patient message's
        elapsed = send(stack.rest_url, sender, text, "single", failures)
        calls.update(tail.read())
        if elapsed is not None:
            timings.append(elapsed)
    wall = time.perf_counter() - started
    cpu_rasa, cpu_actions = cpu_seconds(rasa) - cpu_rasa, cpu_seconds(actions) - cpu_actions
    n = max(len(texts), 1)
    return {
        "p50_ms": round(statistics.median(timings) * 1000, 1) if timings else float("nan"),
        "p95_ms": round(percentile(timings, 95) * 1000, 1) if timings else float("nan"),
        "rasa_cpu_ms": round(cpu_rasa * 1000 / n, 1),
        "actions_cpu_ms": round(cpu_actions * 1000 / n, 1),
        "action_calls": round(sum(calls.values()) / n, 2) if stack.count_actions else None,
        "action_names": {k: round(v / n, 2) for k, v in calls.most_common()},
        "single_wall_s": round(wall, 1),
        "single_messages": len(timings),
    }


def concurrent(
    url: str, texts: Sequence[str], senders: int, seconds: float, length: int, failures: Failures
) -> Dict[str, Any]:
    """``senders`` patients chat without pause until ``seconds`` have passed."""
    lock = threading.Lock()
    timings: List[float] = []
    deadline = time.perf_counter() + seconds

    def patient(offset: int) -> None:
        sender, index = "", 0
        while time.perf_counter() < deadline:
            if index % length == 0:
                sender = new_conversation(url, "senders", failures)
            elapsed = send(url, sender, texts[(offset + index) % len(texts)], "senders", failures)
            index += 1
            if elapsed is not None:
                with lock:
                    timings.append(elapsed)

    started = time.perf_counter()
    threads = [
        threading.Thread(target=patient, args=(i * len(texts) // senders,), daemon=True)
        for i in range(senders)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {
        "msg_per_s": round(len(timings) / wall, 2),
        "p95_ms_n": round(percentile(timings, 95) * 1000, 1) if timings else float("nan"),
        "p50_ms_n": round(statistics.median(timings) * 1000, 1) if timings else float("nan"),
        "messages_n": len(timings),
        "wall_s_n": round(wall, 1),
    }


def timed_turns(url: str, sender: str, texts: Sequence[str], failures: Failures) -> List[float]:
    timings = [send(url, sender, text, "long", failures) for text in texts]
    return [t for t in timings if t is not None]


def p50_ms(timings: Sequence[float]) -> float:
    return round(statistics.median(timings) * 1000, 1) if timings else float("nan")


@dataclass
class Running:
    """One configuration's stack in a round, with what was measured on it so far."""

    key: str
    model: Path
    stack: ConfigStack
    tmp: tempfile.TemporaryDirectory
    failures: Failures
    result: Dict[str, Any]


def start_round(
    keys: Sequence[str], models: Dict[str, Path], args: argparse.Namespace
) -> Dict[str, Running]:
    """Fresh stacks for every configuration, started together (each in its own workdir)."""
    started = time.perf_counter()

    def one(key: str) -> Running:
        tmp = tempfile.TemporaryDirectory(prefix=f"per-message-{key}-")
        try:
            stack = start(models[key], Path(tmp.name), CONFIGS[key], args)
        except BaseException:
            tmp.cleanup()
            raise
        ready = {"startup_s": round(time.perf_counter() - started, 1)}
        return Running(key, models[key], stack, tmp, Failures(), ready)

    with ThreadPoolExecutor(max_workers=len(keys)) as pool:
        futures = {key: pool.submit(one, key) for key in keys}
        running: Dict[str, Running] = {}
        errors = []
        for key, future in futures.items():
            try:
                running[key] = future.result()
            except (RuntimeError, OSError) as error:
                errors.append(f"{key}: {error}")
    if errors:
        stop_round(running)
        raise RuntimeError("stacks did not start: " + "; ".join(errors))
    return running


def stop_round(running: Dict[str, Running]) -> None:
    for run in running.values():
        try:
            run.result["lost_actions"] = lost_actions(Path(run.tmp.name) / "rasa.log")
            run.stack.stop()
        finally:
            run.tmp.cleanup()


def measure_round(
    running: Dict[str, Running], args: argparse.Namespace, texts: Sequence[str], long: bool
) -> None:
    """The phases, each configuration in turn while the other stacks wait idle (so every
    configuration is measured beside the same idle neighbours)."""
    length = args.conversation_length
    for run in running.values():
        stack, config = run.stack, CONFIGS[run.key]
        run.result.update(
            config=run.key,
            model=run.model.name,
            tracker_store=stack.tracker.get("type"),
            cached_chars=stack.tracker.get("cached_chars"),
            speedups_env=server_env(stack.pid("Rasa server"), SWITCH_ENV),
        )
        warm = Failures()
        sender = ""
        for i, text in enumerate(texts[-args.warmup :] if args.warmup else []):
            if i % length == 0:
                sender = new_conversation(stack.rest_url, "warm", warm)
            send(stack.rest_url, sender, text, "warm", warm)
        run.result["failed_warmup"] = warm.count
        run.failures.samples += warm.samples
        print(f"  {run.key} ({config.label}) warmed up", flush=True)
    for run in running.values():
        run.result.update(one_sender(run.stack, texts[: args.single], length, run.failures))
        print(f"  {run.key} 1 sender: p50 {run.result['p50_ms']} ms", flush=True)
    for run in running.values():
        url = run.stack.rest_url
        run.result.update(
            concurrent(url, texts, args.senders, args.concurrent_seconds, length, run.failures)
        )
        print(f"  {run.key} {args.senders} senders: {run.result['msg_per_s']} msg/s", flush=True)
    if long:
        long_conversations(running, args, texts)
    else:
        for run in running.values():
            run.result.update(
                p50_first_ms=None, p50_last_ms=None, long_growth=None, long_wall_s=None
            )


def long_conversations(
    running: Dict[str, Running], args: argparse.Namespace, texts: Sequence[str]
) -> None:
    """One conversation of ``args.long`` messages per configuration. Its first and last
    ``args.window`` turns are timed with the other stacks idle; the turns in between (not
    timed) go to all the stacks at once, to save wall time."""
    window = min(args.window, args.long // 2)
    turns = [texts[i % len(texts)] for i in range(args.long)]
    senders: Dict[str, str] = {}
    started = time.perf_counter()
    for run in running.values():
        senders[run.key] = new_conversation(run.stack.rest_url, "long", run.failures)
        first = timed_turns(run.stack.rest_url, senders[run.key], turns[:window], run.failures)
        run.result["p50_first_ms"] = p50_ms(first)

    def middle(run: Running) -> None:
        for text in turns[window : args.long - window]:
            send(run.stack.rest_url, senders[run.key], text, "long", run.failures)

    clock = time.perf_counter()
    threads = [threading.Thread(target=middle, args=(run,)) for run in running.values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"  long conversations: middle turns in {time.perf_counter() - clock:.0f} s", flush=True)
    for run in running.values():
        last = timed_turns(
            run.stack.rest_url, senders[run.key], turns[args.long - window :], run.failures
        )
        result = run.result
        result["p50_last_ms"] = p50_ms(last)
        first_ms = result["p50_first_ms"]
        result["long_growth"] = round(result["p50_last_ms"] / first_ms, 2) if first_ms else None
        print(
            f"  {run.key} long conversation: p50 {first_ms} ms -> {result['p50_last_ms']} ms",
            flush=True,
        )
    wall = round(time.perf_counter() - started, 1)
    for run in running.values():
        run.result["long_wall_s"] = wall


def lost_actions(log: Path) -> int:
    """Custom action calls the Rasa server gave up on (its log)."""
    if not log.exists():
        return 0
    return log.read_bytes().count(b"Failed to run custom action")


# ---------------------------------------------------------------------------------------
# The report

METRICS = [
    ("p50_ms", "1 sender p50 ms", True),
    ("p95_ms", "1 sender p95 ms", True),
    ("rasa_cpu_ms", "Rasa CPU ms / msg", True),
    ("actions_cpu_ms", "action server CPU ms / msg", True),
    ("action_calls", "action calls / msg", True),
    ("msg_per_s", "{senders} senders msg/s", False),
    ("p95_ms_n", "{senders} senders p95 ms", True),
    ("p50_first_ms", "long conv. p50 turns 1-{window} ms", True),
    ("p50_last_ms", "long conv. p50 last {window} turns ms", True),
    ("long_growth", "last / first", True),
]


def labels(args: Dict[str, Any]) -> List[Tuple[str, str]]:
    return [(key, label.format(**args)) for key, label, _ in METRICS]


def medians(
    runs: List[Dict[str, Any]], keys: Sequence[str]
) -> Dict[str, Dict[str, Optional[float]]]:
    out: Dict[str, Dict[str, Optional[float]]] = {}
    for key in keys:
        mine = [r for r in runs if r["config"] == key]
        row: Dict[str, Optional[float]] = {}
        for metric, _, _ in METRICS:
            values = [r[metric] for r in mine if r[metric] is not None]
            row[metric] = round(statistics.median(values), 2) if values else None
        row["failed"] = sum(r["failed"] for r in mine)
        out[key] = row
    return out


def ratio(a: Optional[float], b: Optional[float]) -> str:
    if a is None or b is None:
        return "n/a"
    if not a:
        return "n/a" if b else "="
    return f"{b / a:.2f}"


def shown(value: Optional[float]) -> str:
    return "n/a" if value is None else f"{value:g}"


def table(result: Dict[str, Any]) -> List[str]:
    med = result["medians"]
    cols = labels(result["args"])
    header = ["config"] + [label for _, label in cols] + ["failed requests"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for key in result["keys"]:
        row = [f"**{key}** {CONFIGS[key].label}"] + [shown(med[key][m]) for m, _ in cols]
        row.append(str(med[key]["failed"]))
        lines.append("| " + " | ".join(row) + " |")
    first = result["keys"][0]
    for key in result["keys"][1:]:
        row = [f"{key}/{first}"] + [ratio(med[first][m], med[key][m]) for m, _ in cols] + [""]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def to_markdown(result: Dict[str, Any]) -> str:
    m, a = result["machine"], result["args"]
    lines = [
        f"# Per-message cost of the Rasa server: the changes of 2026-12-02 and 12-03 "
        f"({result['date']})",
        "",
        f"Machine: {m['host']}, {m['cpus']} CPUs (nproc {result['nproc']}), "
        f"{m['memory_gib']} GiB, Python {m['python']} ({m['platform']}); shared and busy "
        "(other test runs at the same time): read ratios and medians, not absolutes. "
        f"Load average (1, 5, 15 min) at the start {result['load_start']}, at the end "
        f"{result['load_end']}.",
        f"Models: before `{result['models']['before']}` (old domain: clinic_* slots mapped "
        f"with `action: {SESSION_ACTION}`), after `{result['models']['after']}` (custom "
        f"mappings that name no action). domain.yml in the working tree: {result['shipped']}.",
        f"Command: `{result['command']}`. Wall time {result['wall_min']} min.",
        "",
        "## Method",
        "",
        f"{a['rounds']} rounds. Each round starts a fresh stack per configuration (action "
        "server + Rasa server, `bot.stack.measuring_stack`: loopback, free ports, SQLite "
        "tracker store and event queue in its own temporary workdir, no web process), all "
        f"at once, then runs each phase for {', '.join(result['keys'])} in turn while the other "
        "stacks wait idle (so every configuration is measured beside the same idle neighbours, "
        "and the noise of the machine falls on all alike), and stops them. "
        f"{a['warmup']} warm-up messages per stack. Messages: the held-out patient questions of "
        f"tests/nlu/test_nlu.yml, shuffled with seed {SEED}, the same for every run.",
        "",
        f"- **1 sender**: {a['single']} messages, a new conversation (an untimed "
        f"`/session_start`) every {a['conversation_length']}; p50/p95 latency from the client; "
        "CPU = utime + stime of the server process and its children (/proc) over the phase "
        "divided by the patient messages (the `/session_start` calls' CPU included); action "
        "calls = custom-action calls the action server ran per patient message (it runs through "
        "bench/profile_hooks.py, which appends one line per call; the calls of `/session_start` "
        "are left out).",
        f"- **{a['senders']} senders**: concurrent patients without pause for "
        f"{a['concurrent_seconds']} s (in-flight requests finish), a new conversation every "
        f"{a['conversation_length']} messages; msg/s = answered patient messages / wall time.",
        f"- **Long conversation** (in the first {a['long_rounds']} round(s) only: it is the "
        f"slowest phase): one conversation of {a['long']} messages per configuration (the "
        f"questions above in turn, after one `/session_start`); p50 of its first {a['window']} "
        f"turns and of its last {a['window']}, each timed with the other stacks idle. The "
        "turns in between are not timed and are sent to all stacks at the same time.",
        "- A request fails when it gets no non-empty answer within 120 s (HTTP error, time-out).",
        "",
        "Configurations (each adds one change to the one before):",
        "",
    ]
    for key in result["keys"]:
        run = next(r for r in result["runs"] if r["config"] == key)
        lines.append(
            f"- **{key}** {CONFIGS[key].label}: model `{run['model']}`, tracker store "
            f"`type: {run['tracker_store']}`"
            + ("" if run.get("cached_chars") is None else f" `cached_chars: {run['cached_chars']}`")
            + f", Rasa server's `{SWITCH_ENV}={run['speedups_env']}`"
        )
    lines += ["", "## Medians of the rounds", ""]
    lines += table(result)
    lines += [
        "",
        "Ratios above 1 are worse for every column but msg/s (higher is better). "
        "Failed requests: the sum over the rounds.",
        "",
        "Custom-action calls per patient message, by action (mean over the rounds' 1-sender "
        "phases):",
        "",
    ]
    for key in result["keys"]:
        names: Counter = Counter()
        mine = [r for r in result["runs"] if r["config"] == key]
        for r in mine:
            names.update(r["action_names"])
        text = ", ".join(f"`{k}` {v / len(mine):.2f}" for k, v in names.most_common()) or "none"
        lines.append(f"- {key}: {text}")
    cols = labels(a)
    header = ["round", "config"] + [label for _, label in cols]
    header += ["failed", "Rasa gave up on an action", "ready after s", "1-sender phase s"]
    header += ["senders phase s", "long phase s (all)", "round s"]
    lines += ["", "## Every run, in the order measured", ""]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in result["runs"]:
        row = [str(r["round"]), r["config"]] + [shown(r[k]) for k, _ in cols]
        row += [str(r["failed"]), str(r["lost_actions"]), str(r["startup_s"])]
        row += [str(r["single_wall_s"]), str(r["wall_s_n"]), shown(r["long_wall_s"])]
        row.append(str(r["round_s"]))
        lines.append("| " + " | ".join(row) + " |")
    samples = [s for r in result["runs"] for s in r["failure_samples"]]
    if samples:
        lines += ["", "Failed requests (first few):", ""]
        lines += [f"- {s}" for s in samples[:10]]
    lines += ["", "## Reading", ""]
    lines += result["conclusion"]
    return "\n".join(lines) + "\n"


def conclusion(med: Dict[str, Dict[str, Optional[float]]]) -> List[str]:
    """One line per change measured beside the one before it, and first against last."""

    def step(key: str, prev: str, what: str) -> str:
        x, y = med[prev], med[key]
        return (
            f"- {what} ({key} against {prev}): 1-sender p50 x{ratio(x['p50_ms'], y['p50_ms'])}, "
            f"Rasa CPU per message x{ratio(x['rasa_cpu_ms'], y['rasa_cpu_ms'])}, "
            f"msg/s x{ratio(x['msg_per_s'], y['msg_per_s'])}, long-conversation p50 at the end "
            f"x{ratio(x['p50_last_ms'], y['p50_last_ms'])}."
        )

    keys = [k for k in CONFIGS if k in med]
    lines = [
        step(key, prev, CONFIGS[key].label.split("(")[-1].strip("+ )").capitalize())
        for prev, key in zip(keys, keys[1:], strict=False)
        if ord(key) == ord(prev) + 1
    ]
    if len(keys) > 2:
        a, z, first, last = med[keys[0]], med[keys[-1]], keys[0], keys[-1]
        lines.append(
            f"- All ({last} against {first}): 1-sender p50 x{ratio(a['p50_ms'], z['p50_ms'])}, "
            f"p95 x{ratio(a['p95_ms'], z['p95_ms'])}, Rasa CPU per message "
            f"x{ratio(a['rasa_cpu_ms'], z['rasa_cpu_ms'])}, action calls per message "
            f"{shown(a['action_calls'])} -> {shown(z['action_calls'])}, msg/s at "
            f"concurrency x{ratio(a['msg_per_s'], z['msg_per_s'])}, long conversation's last "
            f"turns {shown(a['p50_last_ms'])} -> {shown(z['p50_last_ms'])} ms."
        )
    return lines


# ---------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--single", type=int, default=150, help="messages with 1 sender")
    parser.add_argument("--senders", type=int, default=10)
    parser.add_argument("--concurrent-seconds", type=float, default=45.0)
    parser.add_argument("--long", type=int, default=300, help="turns of the long conversation")
    parser.add_argument("--window", type=int, default=20, help="first/last turns compared")
    parser.add_argument(
        "--long-rounds",
        type=int,
        default=1,
        help="rounds with the long conversation (the first N; it is the slowest phase)",
    )
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--conversation-length", type=int, default=10)
    parser.add_argument(
        "--before-model", type=Path, help="default: from models/ (trained there if missing)"
    )
    parser.add_argument(
        "--after-model", type=Path, help="default: from models/ (trained there if missing)"
    )
    parser.add_argument("--only", nargs="+", choices=list(CONFIGS), help="a subset (debugging)")
    parser.add_argument(
        "--no-count", action="store_true", help="start the action server without the hooks"
    )
    parser.add_argument(
        "--quick", action="store_true", help="1 round, 40 + 15 s + 60 messages (a smoke run)"
    )
    today = f"{datetime.now(timezone.utc):%Y-%m-%d}"
    parser.add_argument("--date", default=today, help="in the report's file name")
    parser.add_argument("--out", type=Path, help="the report (default per-message-<date>.md)")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.single, args.concurrent_seconds = 1, 40, 15.0
        args.long, args.window, args.warmup, args.long_rounds = 60, 10, 10, 1
    argv = " ".join(sys.argv[1:])
    command = "make bench-per-message" + (
        f"  (python bench/per_message_bench.py {argv})" if argv else ""
    )

    load_start = os.getloadavg()
    texts = [e.text for e in load_examples()]
    random.Random(SEED).shuffle(texts)
    before = args.before_model or domain_model(session_action=True)
    after = args.after_model or domain_model(session_action=False)
    if before.resolve() == after.resolve():
        raise SystemExit("the 'before' and 'after' models are the same file")
    keys = args.only or list(CONFIGS)
    models = {k: before if CONFIGS[k].before_model else after for k in keys}
    runs: List[Dict[str, Any]] = []
    started = time.monotonic()
    for round_ in range(1, args.rounds + 1):
        print(f"Round {round_}: starting {' '.join(keys)} together ...", flush=True)
        clock = time.perf_counter()
        running = start_round(keys, models, args)
        try:
            measure_round(running, args, texts, long=round_ <= args.long_rounds)
        finally:
            stop_round(running)
        for run in running.values():
            got = run.result
            got.update(
                round=round_,
                failed=run.failures.count,
                failure_samples=run.failures.samples,
                round_s=round(time.perf_counter() - clock, 1),
            )
            runs.append(got)
            print(
                f"  {run.key}: "
                + ", ".join(f"{k} {got[k]}" for k, _, _ in METRICS)
                + f", failed {got['failed']}, started in {got['startup_s']} s",
                flush=True,
            )
            if got["failure_samples"]:
                print("  failures: " + "; ".join(got["failure_samples"]), flush=True)
    result: Dict[str, Any] = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "nproc": subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip(),
        "load_start": ", ".join(f"{x:.2f}" for x in load_start),
        "load_end": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
        "models": {"before": before.name, "after": after.name},
        "shipped": shipped_domain(),
        "command": command,
        "args": {
            "rounds": args.rounds,
            "single": args.single,
            "senders": args.senders,
            "concurrent_seconds": args.concurrent_seconds,
            "long": args.long,
            "window": args.window,
            "long_rounds": min(args.long_rounds, args.rounds),
            "warmup": args.warmup,
            "conversation_length": args.conversation_length,
        },
        "keys": keys,
        "runs": runs,
        "medians": medians(runs, keys),
        "wall_min": round((time.monotonic() - started) / 60, 1),
    }
    result["conclusion"] = conclusion(result["medians"])
    report = to_markdown(result)
    suffix = "-quick" if args.quick else ""
    out = args.out or RESULTS / f"per-message-{args.date}{suffix}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report)
    print(report)
    print(f"Recorded in {out} ({result['wall_min']} min)")
    return 1 if any(r["failed"] for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
