"""Where one message's time goes: the real stack under py-spy, aggregated into named buckets.

Starts the action server and the Rasa server (bot.stack.measuring_stack: loopback, free
ports, logs and a throw-away database in a temp workdir), each through
bench/profile_hooks.py, which counts SQL statements, commits, tracker-store calls and
action calls without changing product code. Then, with one sender over REST:

1. warm-up;
2. a timed pass, no profiler: median ms per message from the client, and per message the
   action-server calls, tracker-store calls, SQL statements and commits;
3. the same messages again with `py-spy record` attached to both servers (raw folded stacks;
   a speedscope file is written from them). The samples are put into buckets (NLU
   component, red-flag check, policies, action round trip, tracker store, JSON, NLG,
   sanic/HTTP, other) and the top functions by inclusive time are listed.

Messages: held-out patient questions (tests/nlu/test_nlu.yml, as run_bench.py), in
conversations of --conversation-length, plus scripted booking-form and multi-turn
conversations. Raw profiles go to build/profile/<date>/ (gitignored); the report to
bench/results/profile-<date>.md (-2, -3 ... for a later run the same day).

    make profile
    python bench/profile_message.py --messages 200 --rate 200
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine as common_machine  # noqa: E402
from bench.common import unused_tag  # noqa: E402
from bot.bookings.config import DATABASE_URL_ENV
from bot.bookings.db import upgrade_database
from bot.environment import RASA_MAIN_MODULE
from bot.evaluation.nlu import load_examples
from bot.model_store import ensure_model
from bot.stack import Process, Stack, measuring_stack

RESULTS = ROOT / "bench" / "results"
RAW_DIR = ROOT / "build" / "profile"
HOOKS = Path(__file__).resolve().parent / "profile_hooks.py"
PY_SPY = Path(sys.executable).parent / "py-spy"

# ---------------------------------------------------------------------------------------
# The messages


@dataclass
class Turn:
    kind: str  # heldout | booking | multiturn | session_start | warmup
    text: str  # a message, or "click:<button title>" / "click#<index>"


Conversation = List[Turn]

BOOKING = [
    "would PIT help my knee?",
    "can I book a consultation?",
    "click:Yes, send my details",
    "Maria Lopez",
    "maria.lopez@example.com",
    "click:Yes",
    "click:New patient",
    "click#0",
    "click:Yes, I agree",
    "click:Yes, send it",
    "thanks, bye",
]
MULTI_TURN = [
    [
        "what is PIT?",
        "does it hurt?",
        "how many sessions would I need?",
        "and the gap between them?",
        "would it help my knee?",
        "how many sessions for that?",
        "and my wrist?",
        "can I talk to someone?",
    ],
    [
        "hi",
        "are you a bot?",
        "I have tennis elbow",
        "is it safe?",
        "what are the side effects?",
        "sorry, I meant the cost",
        "where are you?",
        "thanks",
    ],
    [
        "what happens at a visit?",
        "my knee is red and hot and I have a fever since the injection",
        "ok thank you",
        "when will I feel better after it?",
        "is it cortisone?",
        "how long does the relief last?",
    ],
]


def conversations(total: int, conversation_length: int, seed: int = 13) -> List[Conversation]:
    """About ``total`` patient messages: booking forms, multi-turn chats, held-out questions."""
    scripted: List[Conversation] = []
    for _ in range(2):
        scripted.append([Turn("booking", t) for t in BOOKING])
        scripted += [[Turn("multiturn", t) for t in chat] for chat in MULTI_TURN]
    used = sum(len(c) for c in scripted)
    texts = [e.text for e in load_examples()]
    random.Random(seed).shuffle(texts)
    held_out = [texts[i % len(texts)] for i in range(max(0, total - used))]
    chats = [
        [Turn("heldout", t) for t in held_out[i : i + conversation_length]]
        for i in range(0, len(held_out), conversation_length)
    ]
    # Interleave so the profile is not one kind after another.
    mixed: List[Conversation] = []
    for i in range(max(len(chats), len(scripted))):
        mixed += chats[i : i + 1] + scripted[i : i + 1]
    return mixed


def post(url: str, sender: str, message: str) -> Tuple[float, List[Dict[str, Any]]]:
    body = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        payload = json.loads(response.read())
    return time.perf_counter() - started, payload


def resolve(turn: str, last: List[Dict[str, Any]]) -> str:
    """A click sends the button's payload (as the widget does); typed text if not on offer."""
    buttons = [b for m in last for b in m.get("buttons") or []]
    if turn.startswith("click#"):
        index = int(turn[6:])
        return str(buttons[index]["payload"]) if index < len(buttons) else "yes"
    if turn.startswith("click:"):
        title = turn[6:]
        for button in buttons:
            if button["title"] == title:
                return str(button["payload"])
        return title
    return turn


# ---------------------------------------------------------------------------------------
# The stack, with counting hooks


class HookedStack(Stack):
    """measuring_stack's processes, each started through bench/profile_hooks.py."""

    def _build(self) -> List[Process]:
        processes = super()._build()
        for process in processes:
            command = process.command
            if command[1:2] != ["-m"] or command[2] not in ("rasa", "bot", RASA_MAIN_MODULE):
                continue
            events = self.workdir / f"{process.name.replace(' ', '-')}.events.jsonl"
            process.command = [command[0], str(HOOKS), str(events), *command[2:]]
        return processes

    def events_file(self, name: str) -> Path:
        return self.workdir / f"{name.replace(' ', '-')}.events.jsonl"

    def pid(self, name: str) -> int:
        process = next(p for p in self.processes if p.name == name)
        assert process.popen is not None
        return process.popen.pid


class EventTail:
    """New lines of a hooks events file since the last read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = path.stat().st_size if path.exists() else 0

    def read(self) -> List[Dict[str, Any]]:
        with open(self.path, "rb") as handle:
            handle.seek(self.offset)
            data = handle.read()
        end = data.rfind(b"\n") + 1
        self.offset += end
        return [json.loads(line) for line in data[:end].splitlines() if line.strip()]


@dataclass
class Measured:
    kind: str
    ms: float
    text: str = ""
    reply: List[Dict[str, Any]] = field(default_factory=list)
    rasa: List[Dict[str, Any]] = field(default_factory=list)
    actions: List[Dict[str, Any]] = field(default_factory=list)


def run_conversations(
    stack: HookedStack, chats: Sequence[Conversation], tag: str
) -> Tuple[List[Measured], float]:
    rasa_tail = EventTail(stack.events_file("Rasa server"))
    action_tail = EventTail(stack.events_file("action server"))
    results: List[Measured] = []
    started = time.perf_counter()
    for chat in chats:
        sender = f"profile-{tag}-{uuid.uuid4().hex[:8]}"
        turns = [Turn("session_start", "/session_start"), *chat]
        last: List[Dict[str, Any]] = []
        for turn in turns:
            rasa_tail.read()
            action_tail.read()
            elapsed, last = post(stack.rest_url, sender, resolve(turn.text, last))
            time.sleep(0.02)  # the hooks' last lines are written before the reply; be safe
            results.append(
                Measured(
                    turn.kind, elapsed * 1000, turn.text, last, rasa_tail.read(), action_tail.read()
                )
            )
    return results, time.perf_counter() - started


# ---------------------------------------------------------------------------------------
# Folded stacks -> buckets

FRAME = re.compile(r"^(?P<fn>.*?) \((?P<file>.*?)(?::(?P<line>\d+))?\)$")
STDLIB = re.compile(r"/lib/python3\.\d+/")


def short_path(path: str) -> str:
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1]
    if path.startswith(str(ROOT) + "/"):
        return path[len(str(ROOT)) + 1 :]
    match = STDLIB.search(path)
    if match:
        return "py:" + path[match.end() :]
    return path


class QualNames:
    """(file, first line) -> Class.function, from the source (py-spy gives bare names)."""

    def __init__(self) -> None:
        self.files: Dict[str, Dict[int, str]] = {}

    def _index(self, path: str) -> Dict[int, str]:
        names: Dict[int, str] = {}
        try:
            tree = ast.parse(Path(path).read_text(encoding="utf-8"))
        except (OSError, SyntaxError, ValueError):
            return names

        def visit(node: ast.AST, prefix: str) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    name = f"{prefix}{child.name}"
                    lines = [child.lineno] + [d.lineno for d in child.decorator_list]
                    for line in lines:
                        names[line] = name
                    visit(child, name + ".")
                else:
                    visit(child, prefix)

        visit(tree, "")
        return names

    def name(self, path: str, line: Optional[str], fn: str) -> str:
        if path not in self.files:
            self.files[path] = self._index(path)
        return self.files[path].get(int(line), fn) if line else fn


@dataclass(frozen=True)
class Frame:
    path: str  # short
    name: str  # qualified where known

    @property
    def label(self) -> str:
        return f"{self.name} ({self.path})"


def parse_folded(path: Path, names: QualNames) -> List[Tuple[List[Frame], int]]:
    stacks: List[Tuple[List[Frame], int]] = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = []
        for raw in stack.split(";"):
            match = FRAME.match(raw)
            if not match:
                frames.append(Frame("", raw))
                continue
            full = match["file"]
            frames.append(Frame(short_path(full), names.name(full, match["line"], match["fn"])))
        stacks.append((frames, int(count)))
    return stacks


def is_json(frame: Frame) -> bool:
    p, n = frame.path, frame.name
    return (
        p.startswith("py:json/")
        or p.startswith("bot/untrusted_json.py")
        or (p == "rasa/shared/core/events.py" and re.search(r"as_dict|from_|_from_", n) is not None)
        or (
            p == "rasa/shared/core/trackers.py"
            and n.split(".")[-1] in ("current_state", "from_dict", "from_events", "as_dialogue")
        )
        or (p == "rasa_sdk/interfaces.py" and n.endswith("from_dict"))
        or (p.startswith("sanic/") and "json" in n.lower())
        or (p.startswith("rasa/shared/utils/io.py") and "json" in n)
    )


def is_sql(frame: Frame) -> bool:
    return frame.path.startswith(("sqlalchemy/", "py:sqlite3/", "alembic/"))


HOOK_FUNCTIONS = ("emit", "statement", "commit", "database", "describe", "body_size")


def measuring(frames: List[Frame]) -> bool:
    """The hooks' own work (not the methods they wrap, which stay below their wrapper)."""
    return any(
        f.path == "bench/profile_hooks.py" and f.name.split(".")[-1] in HOOK_FUNCTIONS
        for f in frames
    )


def component_of(frames: List[Frame]) -> Optional[Frame]:
    """The graph component running: the first frame after Rasa's GraphNode.__call__."""
    found: Optional[Frame] = None
    for i, frame in enumerate(frames):
        if frame.path == "rasa/engine/graph.py" and frame.name.endswith("__call__"):
            for inner in frames[i + 1 :]:
                if not inner.path.startswith(("rasa/engine/", "py:")):
                    found = inner
                    break
    return found


def component_bucket(frame: Frame) -> str:
    cls = frame.name.split(".")[0]
    p = frame.path
    if p.startswith("bot/safety/") or cls == "RedFlagClassifier":
        return "red-flag check: RedFlagClassifier (bot/safety)"
    if p.startswith("rasa/core/policies/"):
        return f"policies: {cls}"
    if p.startswith(("bot/", "actions/")):
        return f"NLU, ours: {cls} ({p})"
    if p.startswith("rasa/nlu/"):
        return f"NLU: {cls}"
    return f"Rasa graph, other: {cls}"


def context(frames: List[Frame]) -> str:
    paths = [(f.path, f.name) for f in frames]
    if any(p.startswith("rasa/core/brokers/") for p, _ in paths):
        return "event broker"
    if any(n.endswith("stream_events") for _, n in paths):
        return "event broker: re-reading the tracker to diff events"
    if any(p == "rasa/core/tracker_store.py" for p, _ in paths):
        return "tracker store"
    if any(n.startswith("RemoteAction.") for _, n in paths):
        return "action call"
    if any(p.startswith("rasa/core/processor.py") for p, _ in paths):
        return "processor"
    if any(p.startswith("actions/") for p, _ in paths):
        return "in an action"
    if any(
        p.startswith(("sanic/", "rasa_sdk/endpoint.py", "bot/action_server.py")) for p, _ in paths
    ):
        return "HTTP request/response"
    return "other"


def rasa_bucket(frames: List[Frame]) -> str:
    if measuring(frames):
        return "measurement hooks (bench/profile_hooks.py)"
    if any(
        f.name.startswith("PublishedAnswers.") and f.name.endswith(("_run", "refresh"))
        for f in frames
    ):
        return "NLG: background poller thread (live_nlg.py, 4x a second)"
    component = component_of(frames)
    if component is not None:
        return component_bucket(component)
    if any(f.name == "RemoteAction._validate_action_result" for f in frames):
        return "action round trip, Rasa side: jsonschema check of the action's response"
    for frame in reversed(frames):  # innermost first
        if is_json(frame):
            return f"event serialisation/JSON: {context(frames)}"
        if is_sql(frame):
            where = context(frames)
            if where == "tracker store":
                return "tracker store: SQLAlchemy/sqlite"
            if where.startswith("event broker"):
                return f"{where}: SQLAlchemy/sqlite"
            return f"SQL: {where}"
        p, n = frame.path, frame.name
        if p.startswith("rasa/core/brokers/"):
            return "event broker: Rasa's own code"
        if n.endswith("stream_events"):
            return "event broker: re-reading the tracker to diff events"
        if p == "rasa/core/tracker_store.py":
            return "tracker store: Rasa's own code"
        if n.startswith("RemoteAction.") or p.startswith(("rasa/utils/endpoints.py", "aiohttp/")):
            return "action round trip, Rasa side (build call, HTTP client, apply events)"
        if p.startswith(("rasa/core/nlg/", "bot/content/")):
            return "NLG (bot/content/live_nlg.py + Rasa templates)"
        if n.startswith("ActionExtractSlots."):
            return "action_extract_slots (slot mappings, every message)"
        if p.startswith("rasa/core/actions/"):
            return "Rasa built-in actions (other)"
        if p.startswith(("structlog/", "py:logging/")):
            return "logging (structlog/logging)"
        if p.startswith("py:copy.py"):
            return f"copy.deepcopy: {context(frames)}"
    for frame in reversed(frames):
        p = frame.path
        if p.startswith(("rasa/core/processor.py", "rasa/core/agent.py")):
            return "processor: other (Rasa)"
        if p.startswith("bot/channels/"):
            return "our channels code (bot/channels)"
        if p.startswith(("rasa/core/channels/", "sanic", "py:asyncio/", "uvloop", "httptools")):
            return "sanic/HTTP + event loop"
    return "other"


def action_bucket(frames: List[Frame]) -> str:
    if measuring(frames):
        return "measurement hooks (bench/profile_hooks.py)"
    if frames and frames[-1].name == "_worker" and frames[-1].path.startswith("py:concurrent/"):
        return "idle thread-pool worker (waits in a lock; sampling artefact)"
    ours = [f for f in frames if f.path.startswith("actions/")]
    for frame in reversed(frames):
        if is_json(frame):
            return f"JSON: {context(frames)}"
        if is_sql(frame):
            return "SQL: bookings database"
    if ours:
        return f"action code: {ours[0].path}"
    for frame in reversed(frames):
        p = frame.path
        if p.startswith("bot/action_server.py"):
            return "auth + input checks (bot/action_server.py)"
        if p.startswith("rasa_sdk/forms.py"):
            return "rasa-sdk forms machinery"
        if p.startswith("rasa_sdk/"):
            return "rasa-sdk executor/endpoint"
        if p.startswith(("sanic", "py:asyncio/", "uvloop", "httptools")):
            return "sanic/HTTP + event loop (uvloop's C code counts here)"
    return "other"


def aggregate(
    stacks: List[Tuple[List[Frame], int]], bucket_of: Any
) -> Tuple[Counter, Counter, Counter, int]:
    buckets: Counter = Counter()
    inclusive: Counter = Counter()
    own: Counter = Counter()
    total = 0
    for frames, count in stacks:
        total += count
        buckets[bucket_of(frames)] += count
        for frame in set(frames):
            inclusive[frame] += count
        if frames:
            own[frames[-1]] += count
    return buckets, inclusive, own, total


def write_speedscope(
    stacks: List[Tuple[List[Frame], int]], name: str, rate: int, path: Path
) -> None:
    """The folded stacks as a speedscope 'sampled' profile (open at speedscope.app)."""
    index: Dict[Frame, int] = {}
    samples, weights = [], []
    for frames, count in stacks:
        samples.append([index.setdefault(f, len(index)) for f in frames])
        weights.append(count / rate)
    profile = {
        "$schema": "https://www.speedscope.app/file-format-schema.json",
        "shared": {"frames": [{"name": f.name, "file": f.path} for f in index]},
        "profiles": [
            {
                "type": "sampled",
                "name": name,
                "unit": "seconds",
                "startValue": 0,
                "endValue": sum(weights),
                "samples": samples,
                "weights": weights,
            }
        ],
        "name": name,
        "exporter": "bench/profile_message.py",
    }
    path.write_text(json.dumps(profile))


# ---------------------------------------------------------------------------------------
# Counting per message


def per_message_counts(measured: Sequence[Measured]) -> Dict[str, Dict[str, float]]:
    """Mean per message, by kind, of what the hooks saw on the servers' main threads."""
    by_kind: Dict[str, List[Measured]] = defaultdict(list)
    for m in measured:
        by_kind[m.kind].append(m)
        if m.kind != "session_start":
            by_kind["all patient messages"].append(m)
    table: Dict[str, Dict[str, float]] = {}
    for kind, rows in by_kind.items():
        sums: Counter = Counter()
        for m in rows:
            main = [e for e in m.rasa if e["th"] == "MainThread"]
            for e in main:
                if e["k"] == "action":
                    sums["action calls"] += 1
                    sums["action wall ms"] += e["ms"]
                elif e["k"] == "ts.retrieve" or e["k"] == "ts.retrieve_full":
                    sums["tracker reads"] += 1
                    sums["tracker read ms"] += e["ms"]
                elif e["k"] == "ts.save":
                    sums["tracker saves"] += 1
                    sums["tracker save ms"] += e["ms"]
                    sums["events in tracker at save"] += e["events"]
                elif e["k"] == "sql" and e["db"] == "tracker.db":
                    sums["tracker SQL statements"] += 1
                    sums[f"tracker SQL {e['verb']}"] += 1
                elif e["k"] == "commit" and e["db"] == "tracker.db":
                    sums["tracker commits"] += 1
                elif e["k"] == "sql" and e["db"] == "events.db":
                    sums["event broker SQL statements (events.db)"] += 1
                elif e["k"] == "commit" and e["db"] == "events.db":
                    sums["event broker commits (events.db)"] += 1
                elif e["k"] == "sql":
                    sums["other SQL statements (Rasa)"] += 1
                elif e["k"] == "nlg":
                    sums["NLG calls"] += 1
            for e in m.actions:
                if e["k"] == "sdk.body":
                    sums["action request KB"] += e["bytes"] / 1024
                elif e["k"] == "sdk.action":
                    sums["action server ms (inside)"] += e["ms"]
                    sums["events sent per action call"] += e["events"]
                    sums["calls with the whole domain"] += int(bool(e["domain"]))
                elif e["k"] == "sql":
                    sums["SQL statements (action server)"] += 1
            sums["client ms"] += m.ms
        n = len(rows)
        row = {key: round(value / n, 2) for key, value in sums.items()}
        calls = sums["action calls"]
        if calls:
            row["events sent per action call"] = round(
                sums["events sent per action call"] / calls, 1
            )
            row["action request KB per call"] = round(sums["action request KB"] / calls, 1)
        row["messages"] = n
        row["median client ms"] = round(statistics.median(m.ms for m in rows), 1)
        table[kind] = row
    return table


def action_names(measured: Sequence[Measured]) -> Counter:
    names: Counter = Counter()
    for m in measured:
        for e in m.rasa:
            if e["k"] == "action" and e["th"] == "MainThread":
                names[e["name"]] += 1
    return names


def background_sql(stack: HookedStack, seconds: float) -> Dict[str, float]:
    counts: Counter = Counter()
    for line in stack.events_file("Rasa server").read_text().splitlines():
        event = json.loads(line)
        if event["k"] == "sql" and event["th"] != "MainThread":
            counts[event["db"]] += 1
    return {db: round(n / seconds, 1) for db, n in counts.items()}


# ---------------------------------------------------------------------------------------
# py-spy


def record(pid: int, out: Path, rate: int) -> subprocess.Popen:
    command = [
        str(PY_SPY), "record", "--pid", str(pid), "--rate", str(rate),
        "--format", "raw", "--full-filenames", "--function", "--output", str(out),
    ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def stop_recording(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=120)
    return (out or b"").decode(errors="replace")[-2000:]


# ---------------------------------------------------------------------------------------


def machine() -> Dict[str, str]:
    return {
        **common_machine(),
        "py_spy": subprocess.run(
            [str(PY_SPY), "--version"], capture_output=True, text=True, check=False
        ).stdout.strip(),
    }


def table_rows(counter: Counter, total: int, rate: int, messages: int) -> List[Dict[str, Any]]:
    return [
        {
            "bucket": name,
            "samples": n,
            "share": round(100 * n / total, 1) if total else 0.0,
            "cpu_ms_per_message": round(n / rate * 1000 / messages, 2),
        }
        for name, n in counter.most_common()
    ]


def top_functions(inclusive: Counter, total: int, limit: int = 15) -> List[Dict[str, Any]]:
    rows = []
    for frame, n in inclusive.most_common():
        if not frame.path.startswith(("bot/", "actions/", "rasa/", "rasa_sdk/")):
            continue
        if n >= 0.95 * total:
            continue  # the process's own entry points (main, serve): every sample
        rows.append({"function": frame.label, "samples": n, "share": round(100 * n / total, 1)})
        if len(rows) == limit:
            break
    return rows


def top_self(own: Counter, total: int, limit: int = 10) -> List[Dict[str, Any]]:
    return [
        {"function": f.label, "samples": n, "share": round(100 * n / total, 1)}
        for f, n in own.most_common(limit)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200, help="patient messages per pass")
    parser.add_argument("--rate", type=int, default=200, help="py-spy samples per second")
    parser.add_argument("--conversation-length", type=int, default=10)
    parser.add_argument("--date", default=f"{datetime.now(timezone.utc):%Y-%m-%d}")
    args = parser.parse_args()
    if not PY_SPY.exists():
        print(f"{PY_SPY} is missing: run `make install` (py-spy is in requirements.txt)")
        return 1

    model = ensure_model()
    chats = conversations(args.messages, args.conversation_length)
    raw = RAW_DIR / args.date
    raw.mkdir(parents=True, exist_ok=True)
    result: Dict[str, Any] = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "model": model.name,
        "rate": args.rate,
        "command": "make profile  (python bench/profile_message.py "
        f"--messages {args.messages} --rate {args.rate})",
    }
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        database = f"sqlite:///{workdir / 'pit.db'}"
        upgrade_database(database)
        base = measuring_stack(model, workdir)
        stack = HookedStack(**{**vars(base), "extra_env": {DATABASE_URL_ENV: database}})
        with stack:
            print("Warming up ...", flush=True)
            run_conversations(stack, chats[:2], "warm")
            print(f"Timed pass, no profiler: {args.messages} messages ...", flush=True)
            timed, timed_wall = run_conversations(stack, chats, "timed")
            result["counts"] = per_message_counts(timed)
            result["action_names"] = dict(action_names(timed).most_common())
            result["background_sql_per_s"] = background_sql(stack, timed_wall)
            with open(raw / "replies.jsonl", "w", encoding="utf-8") as replies:
                for m in timed:
                    texts = [r.get("text", "") for r in m.reply]
                    replies.write(
                        json.dumps({"kind": m.kind, "sent": m.text, "reply": texts}) + "\n"
                    )
            print("Profiled pass under py-spy ...", flush=True)
            outputs = {"rasa": raw / "rasa.folded", "actions": raw / "actions.folded"}
            recorders = {
                "rasa": record(stack.pid("Rasa server"), outputs["rasa"], args.rate),
                "actions": record(stack.pid("action server"), outputs["actions"], args.rate),
            }
            time.sleep(3)  # py-spy attaches
            profiled, profiled_wall = run_conversations(stack, chats, "profiled")
            logs = {name: stop_recording(proc) for name, proc in recorders.items()}
            for log in stack.workdir.glob("*.log"):
                (raw / log.name).write_bytes(log.read_bytes())
            for events in stack.workdir.glob("*.events.jsonl"):
                (raw / events.name).write_bytes(events.read_bytes())
    patient = [m for m in profiled if m.kind != "session_start"]
    result["profiled_pass"] = {
        "median_client_ms": round(statistics.median(m.ms for m in patient), 1),
        "messages": len(patient),
        "session_starts": len(profiled) - len(patient),
        "wall_s": round(profiled_wall, 1),
    }
    result["timed_pass_wall_s"] = round(timed_wall, 1)
    names = QualNames()
    for name, bucket_of in (("rasa", rasa_bucket), ("actions", action_bucket)):
        if not outputs[name].exists():
            raise RuntimeError(f"py-spy wrote no {outputs[name]}: {logs[name]}")
        stacks = parse_folded(outputs[name], names)
        write_speedscope(stacks, f"{name} server", args.rate, raw / f"{name}.speedscope.json")
        buckets, inclusive, own, total = aggregate(stacks, bucket_of)
        result[name] = {
            "samples": total,
            "cpu_ms_per_message": round(total / args.rate * 1000 / len(profiled), 1),
            "buckets": table_rows(buckets, total, args.rate, len(profiled)),
            "top_inclusive": top_functions(inclusive, total),
            "top_self": top_self(own, total),
        }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (raw / "profile.json").write_text(json.dumps(result, indent=2) + "\n")
    # never over an earlier report of the same day: -2, -3 ... after the date
    report = RESULTS / f"profile-{unused_tag(args.date, ['profile-{}.md'])}.md"
    report.write_text(to_markdown(result, raw))
    print(to_markdown(result, raw))
    print(f"Report: {report}\nRaw profiles: {raw}")
    return 0


def md_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> List[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def to_markdown(r: Dict[str, Any], raw: Path) -> str:
    m = r["machine"]
    p = r["profiled_pass"]
    counts = r["counts"]
    lines = [
        f"# Where one message's time goes ({r['date']})",
        "",
        f"Machine: {m['host']}, {m['cpus']} CPUs, {m['memory_gib']} GiB, Python {m['python']} "
        f"({m['platform']}), {m['py_spy']}. Model: {r['model']}. Shared, noisy machine: "
        "read shares, not absolutes.",
        f"Command: `{r['command']}`. Raw profiles (folded stacks, speedscope) in "
        f"`{raw.relative_to(ROOT)}/` (gitignored).",
        "",
        "## Latency from the client (1 sender, REST)",
        "",
    ]
    lines += md_table(
        ["messages", "n", "median ms (no profiler)"],
        [(k, v["messages"], v["median client ms"]) for k, v in counts.items()],
    )
    lines += [
        "",
        f"Under py-spy ({r['rate']} Hz): median {p['median_client_ms']} ms over "
        f"{p['messages']} messages (+{p['session_starts']} `/session_start`).",
        "",
    ]
    for name, title in (("rasa", "Rasa server"), ("actions", "action server")):
        s = r[name]
        lines += [
            f"## {title}: CPU samples by bucket",
            "",
            f"{s['samples']} samples at {r['rate']} Hz = {s['cpu_ms_per_message']} ms of "
            "CPU per request (patient messages and `/session_start`); idle time is not sampled.",
            "",
        ]
        lines += md_table(
            ["bucket", "samples", "share %", "CPU ms per request"],
            [
                (b["bucket"], b["samples"], b["share"], b["cpu_ms_per_message"])
                for b in s["buckets"]
            ],
        )
        lines += ["", f"Top 15 functions by inclusive time ({title}, own and Rasa code):", ""]
        lines += md_table(
            ["function", "samples", "share %"],
            [(t["function"], t["samples"], t["share"]) for t in s["top_inclusive"]],
        )
        lines += ["", "Top 10 by self time (any code):", ""]
        lines += md_table(
            ["function", "samples", "share %"],
            [(t["function"], t["samples"], t["share"]) for t in s["top_self"]],
        )
        lines.append("")
    keys = sorted({k for v in counts.values() for k in v} - {"messages", "median client ms"})
    lines += ["## Counts per message (mean, from the hooks, no profiler)", ""]
    lines += md_table(
        ["per message", *counts.keys()],
        [(k, *(v.get(k, 0) for v in counts.values())) for k in keys],
    )
    lines += [
        "",
        "Custom actions called (all messages of the timed pass): "
        + ", ".join(f"{n} {c}" for n, c in r["action_names"].items()),
        "",
        "Background SQL of the Rasa server (other threads), statements per second: "
        + (", ".join(f"{db} {n}" for db, n in r["background_sql_per_s"].items()) or "none"),
        "",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
