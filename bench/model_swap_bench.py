"""Benchmark: what patients feel while the Rasa server changes model, ours against Rasa's.

Publishing or rolling back in the studio makes the running Rasa server load another model
file. Rasa's own ``PUT /model`` loads it on the server's event loop, so every patient's
request waits (or times out) until the load is done; our channel
(bot/channels/studio_model.py, ``POST /webhooks/studio_model/``) loads it in a worker thread
while the old model keeps answering, then switches in one step. This measures both, side by
side, in ONE run on the same machine:

- **ours**: a stack as benchmarks start it (bot.stack.measuring_stack: loopback, free
  ports, throw-away workdir, no web process), exactly as shipped; the swap is
  ``POST /webhooks/studio_model/`` with ``{"model": "pit-<12 hex>.tar.gz"}`` and the
  per-run ``Authorization: Bearer`` secret.
- **PUT**: the same stack with ``--enable-api --auth-token <random>`` appended to the Rasa
  server's command (``ApiStack`` below; nothing in bot/ changes); the swap is Rasa's
  ``PUT /model?token=...`` with ``{"model_file": <path>}``.

Both stacks run at the same time (the idle one costs about 3% of a core) and the swaps are
interleaved, ours 1, PUT 1, ours 2, PUT 2, ..., so the noise of the shared machine falls on
both alike. The new model is a copy of the current model under another name
(``pit-00000000beef.tar.gz`` in a temporary folder given to both servers as
$PIT_STUDIO_MODELS_DIR), so the content is identical and only the swap differs; each swap goes
to whichever of the two is not live, so they alternate.

For each swap, --senders threads chat over REST without pause (each request a new sender id,
``"does it hurt?"``, 60 s timeout) for --steady seconds, then the swap is asked for (the
"swap window" is from sending the swap request to its answer, as the caller sees it), then
--steady seconds more. A request is *in the swap window* when it was in flight at any
moment of it; *steady* requests are the others of the same phase. A request *fails* when it
is not answered 200 with a non-empty answer within 60 s; an answer other than the one the
model gave before any swap is counted apart, and so are the custom action calls the Rasa
server gave up on ("Failed to run custom action" in its log: the answer then lacks what the
action would have said). After each swap the server is asked which model it runs
(``GET /webhooks/studio_model/``).

Prints the medians across swaps per variant and the ratio ours/PUT, and writes
bench/results/model-swap-<date>.md. The exit status is non-zero when one of OUR swaps fails,
lets a request fail, gives another answer or leaves the server on the wrong model (a bug);
what PUT does to patients is the measurement, not an error.

    make bench-model-swap
    python bench/model_swap_bench.py --swaps 5 --senders 8 --steady 5
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine, percentile
from bot.model_store import MODELS_DIR, STUDIO_MODELS_ENV, ensure_model, is_model_name
from bot.stack import Process, Stack, measuring_stack

RESULTS = ROOT / "bench" / "results"
STARTUP_TIMEOUT_S = 900.0  # a shared, busy 2-core machine can take minutes to load the model
REQUEST_TIMEOUT_S = 60.0  # what a patient's browser would wait, about
SWAP_TIMEOUT_S = 900.0
MESSAGE = "does it hurt?"
COPY = "pit-00000000beef.tar.gz"
WARMUP_MESSAGES = 8

VARIANTS = {
    "ours": "ours: `POST /webhooks/studio_model/` (load in a worker thread, then switch)",
    "PUT": "Rasa's `PUT /model` (`--enable-api`; loads on the event loop)",
}


@dataclass
class ApiStack(Stack):
    """measuring_stack's processes, with Rasa's HTTP API (and its auth token) switched on."""

    api_token: str = field(default="", repr=False)

    def _build(self) -> List[Process]:
        processes = super()._build()
        rasa = next(p for p in processes if p.name == "Rasa server")
        rasa.command = [*rasa.command, "--enable-api", "--auth-token", self.api_token]
        return processes


def start(stack: Stack, label: str, attempts: int = 2) -> Stack:
    """``stack`` started; a start that fails (the shared machine) is shown and tried again."""
    for attempt in range(1, attempts + 1):
        try:
            return stack.start(timeout=STARTUP_TIMEOUT_S)
        except RuntimeError as error:
            log = stack.workdir / "rasa.log"
            tail = log.read_text(errors="replace").splitlines()[-15:] if log.exists() else []
            print(f"  {label}: start {attempt} failed: {error}\n    " + "\n    ".join(tail))
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")


# --- talking to the servers ------------------------------------------------------------


def _request(
    url: str,
    body: Optional[Dict[str, Any]],
    method: str,
    headers: Optional[Dict[str, str]] = None,
    timeout: float = REQUEST_TIMEOUT_S,
) -> Tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url,
        data=data,
        headers={"Content-Type": "application/json", **(headers or {})},
        method=method,
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _studio_model(stack: Stack, body: Optional[Dict[str, Any]]) -> Tuple[int, bytes]:
    return _request(
        f"{stack.rasa_url}/webhooks/studio_model/",
        body,
        "GET" if body is None else "POST",
        {"Authorization": f"Bearer {stack.studio_model_token}"},
        timeout=SWAP_TIMEOUT_S,
    )


def live_model(stack: Stack) -> Optional[str]:
    status, body = _studio_model(stack, None)
    if status != 200:
        raise RuntimeError(f"GET /webhooks/studio_model/ answered {status}: {body[:300]!r}")
    name = json.loads(body).get("model")
    return str(name) if name else None


def swap_ours(stack: Stack, path: Path) -> Tuple[bool, str]:
    """Ask for the swap (202: loading in the background), then poll GET until it is done,
    as the studio does (bot/studio/training/swap_client.py)."""
    status, body = _studio_model(stack, {"model": path.name})
    if status != 202:
        return status == 200, f"{status} {body[:300].decode(errors='replace')}"
    deadline = time.monotonic() + SWAP_TIMEOUT_S
    while time.monotonic() < deadline:
        time.sleep(0.25)
        code, raw = _studio_model(stack, None)
        now = json.loads(raw) if code == 200 else {}
        if code == 200 and not now.get("loading"):
            last = now.get("last") or {}
            done = now.get("model") == path.name and not last.get("error")
            return done, f"202 then {json.dumps(last)[:300]}"
    return False, f"still loading after {SWAP_TIMEOUT_S:.0f} s"


def swap_put(stack: Stack, path: Path) -> Tuple[bool, str]:
    token = getattr(stack, "api_token", "")
    status, body = _request(
        f"{stack.rasa_url}/model?token={token}",
        {"model_file": str(path)},
        "PUT",
        timeout=SWAP_TIMEOUT_S,
    )
    return status == 204, f"{status} {body[:300].decode(errors='replace')}"


def ask(url: str, message: str = MESSAGE) -> str:
    """The text of the answer to ``message`` from a new sender; raises on any failure."""
    sender = f"swap-{uuid.uuid4().hex[:12]}"
    status, body = _request(url, {"sender": sender, "message": message}, "POST")
    if status != 200:
        raise RuntimeError(f"HTTP {status}: {body[:200]!r}")
    payload = json.loads(body)
    text = "\n".join(str(m.get("text") or "") for m in payload) if payload else ""
    if not text.strip():
        raise RuntimeError(f"empty answer: {body[:200]!r}")
    return text


@dataclass
class Reply:
    started: float
    ended: float
    ok: bool
    text: str = ""
    error: str = ""


class Load:
    """``senders`` threads asking ``MESSAGE`` without pause, each time as a new sender."""

    def __init__(self, url: str, senders: int) -> None:
        self.url = url
        self.halt = threading.Event()
        self.replies: List[Reply] = []
        self.threads = [threading.Thread(target=self._chat, daemon=True) for _ in range(senders)]

    def _chat(self) -> None:
        while not self.halt.is_set():
            started = time.monotonic()
            try:
                text = ask(self.url)
                self.replies.append(Reply(started, time.monotonic(), True, text=text))
            except Exception as error:  # noqa: BLE001 - every failure is counted and shown
                self.replies.append(Reply(started, time.monotonic(), False, error=repr(error)))

    def __enter__(self) -> "Load":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.halt.set()
        for thread in self.threads:
            thread.join(timeout=REQUEST_TIMEOUT_S + 30)


# --- one swap under load ----------------------------------------------------------------


def _stats_ms(values: List[float]) -> Tuple[float, float, float]:
    if not values:
        return math.nan, math.nan, math.nan
    return (
        round(statistics.median(values) * 1000, 1),
        round(percentile(values, 95) * 1000, 1),
        round(max(values) * 1000, 1),
    )


def longest_silence(replies: List[Reply], begin: float, end: float) -> float:
    """The longest stretch inside [begin, end] in which no request was answered."""
    marks = [begin] + sorted(r.ended for r in replies if r.ok and begin < r.ended < end)
    after = [r.ended for r in replies if r.ok and r.ended >= end]
    marks.append(min(after) if after else end)
    return max(b - a for a, b in zip(marks, marks[1:], strict=False))


LOST_ACTION = b"Failed to run custom action"


def log_size(stack: Stack) -> int:
    log = stack.workdir / "rasa.log"
    return log.stat().st_size if log.exists() else 0


def lost_actions(stack: Stack, since: int) -> int:
    """Custom action calls the Rasa server gave up on (its log) since byte ``since``."""
    log = stack.workdir / "rasa.log"
    if not log.exists():
        return 0
    with log.open("rb") as handle:
        handle.seek(since)
        return handle.read().count(LOST_ACTION)


def measure_swap(
    stack: Stack,
    variant: str,
    swap: Callable[[Stack, Path], Tuple[bool, str]],
    target: Path,
    expected: str,
    args: argparse.Namespace,
) -> Dict[str, Any]:
    since = log_size(stack)
    with Load(stack.rest_url, args.senders) as load:
        time.sleep(args.steady)
        begin = time.monotonic()
        swapped, answer = swap(stack, target)
        end = time.monotonic()
        time.sleep(args.steady)
    live = live_model(stack)
    time.sleep(0.5)  # the log is written by another process
    lost = lost_actions(stack, since)
    replies = list(load.replies)
    window = [r for r in replies if r.started < end and r.ended > begin]
    steady = [r for r in replies if not (r.started < end and r.ended > begin)]
    failures = [r for r in replies if not r.ok]
    other = [r for r in replies if r.ok and r.text != expected]
    w50, w95, wmax = _stats_ms([r.ended - r.started for r in window])
    s50, s95, smax = _stats_ms([r.ended - r.started for r in steady])
    return {
        "variant": variant,
        "target": target.name,
        "swap_ok": swapped,
        "swap_answer": answer,
        "live": live,
        "live_ok": live == target.name,
        "swap_s": round(end - begin, 2),
        "sent_in_window": sum(1 for r in replies if begin <= r.started <= end),
        "answered_in_window": sum(1 for r in replies if r.ok and begin <= r.ended <= end),
        "in_window": len(window),
        "failed_in_window": sum(1 for r in window if not r.ok),
        "failed": len(failures),
        "other_answers": len(other),
        "lost_actions": lost,
        "silence_s": round(longest_silence(replies, begin, end), 2),
        "window_p50_ms": w50,
        "window_p95_ms": w95,
        "window_max_ms": wmax,
        "steady_p50_ms": s50,
        "steady_p95_ms": s95,
        "steady_max_ms": smax,
        "steady_n": len(steady),
        "requests": len(replies),
        "errors": sorted({r.error for r in failures})[:5],
        "other_texts": sorted(
            {
                f"{r.text[:120]!r}... ({'in' if r in window else 'outside'} the swap window)"
                for r in other
            }
        )[:3],
    }


# --- the report -------------------------------------------------------------------------

METRICS = [
    ("swap_s", "swap duration s (caller's view)"),
    ("sent_in_window", "requests sent during the swap"),
    ("answered_in_window", "requests answered during the swap"),
    ("in_window", "requests in flight during the swap"),
    ("failed_in_window", "failed requests in the swap window"),
    ("failed", "failed requests (whole phase)"),
    ("other_answers", "answers other than before the swaps (partial or wrong)"),
    ("lost_actions", "custom action calls lost (Rasa server log)"),
    ("silence_s", "longest time with no answer during the swap, s"),
    ("window_p50_ms", "swap window median ms"),
    ("window_p95_ms", "swap window p95 ms"),
    ("window_max_ms", "swap window max ms"),
    ("steady_p50_ms", "steady median ms"),
    ("steady_p95_ms", "steady p95 ms"),
    ("steady_max_ms", "steady max ms"),
    ("steady_n", "steady requests"),
]


def medians(runs: List[Dict[str, Any]]) -> Dict[str, Dict[str, float]]:
    out: Dict[str, Dict[str, float]] = {}
    for variant in VARIANTS:
        mine = [r for r in runs if r["variant"] == variant]
        out[variant] = {
            key: round(statistics.median(float(r[key]) for r in mine), 2) for key, _ in METRICS
        }
    return out


def ratio(ours: float, put: float) -> str:
    if math.isnan(ours) or math.isnan(put):
        return "n/a"
    if put == 0:
        return "=" if ours == 0 else "n/a"
    return f"{ours / put:.2f}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def to_markdown(result: Dict[str, Any]) -> str:
    m = result["machine"]
    args = result["args"]
    med = result["medians"]
    lines = [
        f"# Model swap under load: ours against Rasa's `PUT /model` ({result['date']})",
        "",
        f"Machine: {m['host']}, nproc {result['nproc']} ({m['cpus']} CPUs), "
        f"{m['memory_gib']} GiB, Python {m['python']} ({m['platform']}); shared and noisy: "
        f"read ratios and medians, not absolutes. Model: {result['model']} "
        f"({result['model_mib']} MiB), swapped with a byte-identical copy `{COPY}`.",
        f"Command: `{result['command']}`.",
        "",
        "Method: two stacks at once (action server + Rasa server each, as "
        "`bot.stack.measuring_stack` starts them, no web process): **ours** exactly as "
        "shipped, swapping with `POST /webhooks/studio_model/`; **PUT** the same with "
        "`--enable-api --auth-token` added to the Rasa server, swapping with Rasa's "
        f"`PUT /model?token=...`. {args['swaps']} swaps per variant, interleaved (ours 1, "
        "PUT 1, ours 2, ...), each to whichever of the copy and the original is not live "
        "(so they alternate). Each swap: "
        f"{args['senders']} REST senders chatting without pause (new sender id per request, "
        f'"{MESSAGE}", {REQUEST_TIMEOUT_S:.0f} s timeout) for {args["steady"]} s, the swap, '
        f"{args['steady']} s more. The swap window runs from sending the swap request to its "
        "answer; a request is in it if it was in flight at any moment of it, and steady "
        "otherwise. Failed = not 200, an exception (timeout included) or an empty answer. "
        "Other answers = answered 200 but not with the text the model gave before any swap "
        '(e.g. the greeting without the answer, or "Sorry, I didn\'t understand"). Custom '
        'action calls lost = "Failed to run custom action" lines in the Rasa server\'s log '
        "during the swap's phase. Medians across the swaps of each variant.",
        "",
        "Variants:",
        "",
    ]
    lines += [f"- **{v}**: {label}" for v, label in VARIANTS.items()]
    lines += ["", "## Medians across swaps", ""]
    lines += ["| metric | ours | PUT | ours/PUT |", "|---|---|---|---|"]
    for key, label in METRICS:
        ours, put = med["ours"][key], med["PUT"][key]
        lines.append(f"| {label} | {_number(ours)} | {_number(put)} | {ratio(ours, put)} |")
    lines += ["", "## Every swap, in the order measured", ""]
    header = ["#", "variant", "to", "swap answer", "live after"] + [k for k, _ in METRICS]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for i, r in enumerate(result["runs"], 1):
        row = [str(i), r["variant"], f"`{r['target']}`", r["swap_answer"].replace("|", "/")]
        row.append("ok" if r["live_ok"] else f"WRONG: {r['live']}")
        row += [_number(r[k]) for k, _ in METRICS]
        lines.append("| " + " | ".join(row) + " |")
    problems = [
        f"- {r['variant']} swap to `{r['target']}`: errors {r['errors']}, "
        f"other answers {r['other_texts']}"
        for r in result["runs"]
        if r["errors"] or r["other_texts"]
    ]
    if problems:
        lines += ["", "## Failed requests and other answers (first few distinct)", ""]
        lines += problems
    lines += ["", "## Conclusion", ""]
    lines += result["conclusion"]
    return "\n".join(lines) + "\n"


def conclusion(runs: List[Dict[str, Any]], med: Dict[str, Dict[str, float]]) -> List[str]:
    o, p = med["ours"], med["PUT"]
    ours = [r for r in runs if r["variant"] == "ours"]
    put = [r for r in runs if r["variant"] == "PUT"]
    lines = [
        f"- Ours: {sum(r['failed'] for r in ours)} failed requests and "
        f"{sum(r['other_answers'] for r in ours)} other answers and "
        f"{sum(r['lost_actions'] for r in ours)} lost custom action calls in {len(ours)} swaps "
        f"({sum(r['requests'] for r in ours)} requests); median swap {o['swap_s']} s, during "
        f"which {_number(o['answered_in_window'])} requests were answered (longest time with "
        f"no answer {o['silence_s']} s); swap-window p95 {o['window_p95_ms']} ms against "
        f"{o['steady_p95_ms']} ms steady.",
        f"- PUT: {sum(r['failed'] for r in put)} failed requests and "
        f"{sum(r['other_answers'] for r in put)} other answers and "
        f"{sum(r['lost_actions'] for r in put)} lost custom action calls in {len(put)} swaps "
        f"({sum(r['requests'] for r in put)} requests); median swap {p['swap_s']} s, during "
        f"which {_number(p['answered_in_window'])} requests were answered (longest time with "
        f"no answer {p['silence_s']} s); swap-window max {p['window_max_ms']} ms against "
        f"{p['steady_max_ms']} ms steady.",
        f"- Ours/PUT: swap-window max latency x{ratio(o['window_max_ms'], p['window_max_ms'])}, "
        f"p95 x{ratio(o['window_p95_ms'], p['window_p95_ms'])}, longest time with no answer "
        f"x{ratio(o['silence_s'], p['silence_s'])}; the swap itself takes "
        f"x{ratio(o['swap_s'], p['swap_s'])} as long (the old model keeps answering while the "
        "new one loads, sharing the CPU with it).",
    ]
    bad = [r for r in ours if not (r["swap_ok"] and r["live_ok"])]
    if bad:
        lines.append(
            "- BUG: ours did not end on the asked model: "
            + "; ".join(f"{r['target']}: {r['swap_answer']} (live {r['live']})" for r in bad)
        )
    if any("Response Timeout" in r["swap_answer"] for r in bad):
        lines.append(
            "- The 503 `Response Timeout` is Sanic's RESPONSE_TIMEOUT (60 s by default; Rasa "
            "sets it from `--response-timeout` only with `--enable-api`, which the shipped "
            "server does not use): the swap request took longer than 60 s, Sanic cancelled "
            "the handler, the model loading in the worker thread was never switched to, and "
            "the old model kept answering, with nothing in the Rasa server's log."
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--swaps", type=int, default=3, help="swaps per variant")
    parser.add_argument("--senders", type=int, default=4, help="concurrent REST senders")
    parser.add_argument(
        "--steady", type=float, default=5.0, help="seconds of load before and after each swap"
    )
    parser.add_argument("--model", type=Path, help="a trained model (default: ensure_model())")
    today = f"{datetime.now(timezone.utc):%Y-%m-%d}"
    parser.add_argument("--date", default=today, help="in the report's file name")
    parser.add_argument("--out", type=Path, help="results file (default: bench/results/...)")
    args = parser.parse_args()

    model: Path = (args.model or ensure_model()).resolve()
    if not is_model_name(model.name):
        raise SystemExit(f"{model.name} is not one of our model names: the channel refuses it")
    command = (
        "make bench-model-swap  (python bench/model_swap_bench.py "
        f"--swaps {args.swaps} --senders {args.senders} --steady {args.steady}"
        + (f" --date {args.date})" if args.date != today else ")")
    )
    started = time.monotonic()
    runs: List[Dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="model-swap-") as tmp, contextlib.ExitStack() as up:
        folder = Path(tmp) / "models"
        folder.mkdir()
        copy = folder / COPY
        shutil.copy(model, copy)
        original = model
        if model.parent.resolve() != MODELS_DIR.resolve():
            original = folder / model.name  # the channel loads only from its model folders
            shutil.copy(model, original)
        env = {STUDIO_MODELS_ENV: str(folder)}

        stacks: Dict[str, Stack] = {}
        for variant in VARIANTS:
            base = measuring_stack(original, Path(tmp) / variant, with_web=False)
            base.extra_env = dict(env)
            stack: Stack = base
            if variant == "PUT":
                stack = ApiStack(**{**vars(base), "api_token": secrets.token_urlsafe(32)})
            print(f"Starting the {variant} stack (Rasa on {stack.rasa_url}) ...", flush=True)
            up.callback(stack.stop)
            stacks[variant] = start(stack, variant)

        expected: Dict[str, str] = {}
        for variant, stack in stacks.items():
            if live_model(stack) != original.name:
                raise SystemExit(f"The {variant} stack does not run {original.name}")
            for _ in range(WARMUP_MESSAGES):
                expected[variant] = ask(stack.rest_url)
        if expected["ours"] != expected["PUT"]:
            print(f"Note: the two stacks answer differently: {expected!r}")

        swaps = {"ours": swap_ours, "PUT": swap_put}
        for i in range(args.swaps):
            for variant, stack in stacks.items():
                # The other file than the live one, so a swap that failed is not followed
                # by a swap to the model already live (which loads nothing).
                target = original if live_model(stack) == copy.name else copy
                print(f"Swap {i + 1}, {variant}: to {target.name} ...", flush=True)
                run = measure_swap(stack, variant, swaps[variant], target, expected[variant], args)
                runs.append(run)
                print(
                    f"  {run['swap_answer'][:80]}; live {run['live']}; "
                    + ", ".join(f"{k} {run[k]}" for k, _ in METRICS),
                    flush=True,
                )
                for error in run["errors"]:
                    print(f"  failed: {error}", flush=True)
        model_mib = round(model.stat().st_size / 2**20, 1)
    # The stacks are stopped here (ExitStack), also when a swap raised.

    med = medians(runs)
    result: Dict[str, Any] = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "nproc": len(os.sched_getaffinity(0)),
        "model": model.name,
        "model_mib": model_mib,
        "command": command,
        "args": {"swaps": args.swaps, "senders": args.senders, "steady": args.steady},
        "runs": runs,
        "medians": med,
        "conclusion": conclusion(runs, med),
    }
    report = to_markdown(result)
    out: Path = args.out or RESULTS / f"model-swap-{args.date}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report)
    print(report)
    print(f"Recorded in {out} ({(time.monotonic() - started) / 60:.1f} min)")
    ours_bad = [
        r
        for r in runs
        if r["variant"] == "ours"
        and (not r["swap_ok"] or not r["live_ok"] or r["failed"] or r["other_answers"])
    ]
    if ours_bad:
        print(f"Our swap misbehaved in {len(ours_bad)} of {args.swaps} swaps (see above).")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
