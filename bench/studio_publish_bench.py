"""Benchmark: how soon a publish in the staff studio reaches patients, and what publishing
costs a patient's turn.

Starts the real stack (Rasa server with ``PublishedAnswersGenerator``, action server, web
process) on loopback with a throw-away SQLite database and a throw-away copy of domain.yml
and data/ (``PIT_CONTENT_ROOT``), makes a publisher account in that database and signs in
to the studio over HTTP like a browser (cookie, CSRF token of the form). Then:

1. Publishes a new plain-language text for "Does it hurt?" through the studio's form N
   times (seeded, fixed texts) and measures the publish request itself and the seconds
   from its response to the first REST reply to "does it hurt?" (a new sender each time,
   asked back to back) that contains the new text.
2. Measures patient turns (REST "does it hurt?", a new sender each turn) with no publish
   going on and while a background thread publishes every 0.5 s, in interleaved blocks.

Prints the figures and writes bench/results/studio-publish-<date>.md. Timings are never
judged (a benchmark, not a test): the exit status is non-zero only when the stack fails
or a publish does not reach REST within 5 s.

    make bench-studio
    python bench/studio_publish_bench.py --publishes 5 --turns 20 --model models/pit-....tar.gz
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import requests
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import intents
from bot.bookings.config import DATABASE_URL_ENV
from bot.bookings.db import dispose_engines, session_factory, session_scope, upgrade_database
from bot.bookings.spool import SPOOL_DIR_ENV
from bot.content.live_nlg import REFRESH_SECONDS
from bot.content.responses import CONTENT_ROOT_ENV
from bot.model_store import ensure_model
from bot.stack import Stack, measuring_stack
from bot.studio import accounts
from bot.studio.app import SECRET_KEY_ENV

RESULTS = ROOT / "bench" / "results"
SEED = 20261201
STARTUP_TIMEOUT_S = 900.0  # a shared, busy 2-core machine can take minutes to load the model
ARRIVAL_LIMIT_S = 5.0  # a publish not in a REST reply by then counts as never arriving
PUBLISH_EVERY_S = 0.5  # the background publisher's pace while patient turns are timed
BLOCK = 10  # patient turns per block; quiet and publishing blocks alternate
HURT = "utter_faq/does_it_hurt"
HURT_FILE = Path("data/faq/does_it_hurt.yml")
QUESTION = "does it hurt?"
ORIGINAL_START = "Most people handle it well."
PUBLISHER, PASSWORD = "bench-publisher", "a benchmark publisher passphrase"
MACHINE_NOTE = "2 cores, shared and noisy"

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_LATEST = re.compile(r'name="latest"[^>]*value="(\d+)"')

# Plain-language pieces (no prices, doses or percentages, US grade <= 8); a seeded sample
# of their combinations gives the texts, each different from every other.
OPENINGS = (
    "It feels like a few quick pin-pricks.",
    "Most people say it stings a little, then it stops.",
    "The needles are tiny and the shots are quick.",
    "Most people find it easy to handle.",
    "You feel small pricks just under the skin.",
)
MIDDLES = (
    "The sting goes away almost at once.",
    "Some spots can feel a bit sore for a moment.",
    "We go at your pace, and you can ask us to pause.",
    "The shots only go just under the skin.",
)
CLOSINGS = (
    "The area may be a bit sore for a day or two.",
    "A small bruise can show up. It fades on its own.",
    "Tell us if you are worried about needles.",
    "Ask us any time if you want to know more.",
)


def fixed_texts(count: int, rng: random.Random) -> List[str]:
    combos = list(itertools.product(OPENINGS, MIDDLES, CLOSINGS))
    if count > len(combos):
        raise SystemExit(f"at most {len(combos)} different texts; asked for {count}")
    return [f"{a} {b}\n\n{c}" for a, b, c in rng.sample(combos, count)]


def hurt_sources(content: Path) -> List[str]:
    """The clinic documents "Does it hurt?" names (its metadata.sources)."""
    raw = yaml.safe_load((content / HURT_FILE).read_text(encoding="utf-8"))
    return [str(s) for s in raw["nlu"][0]["metadata"]["sources"]]


def percentile(values: Sequence[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def spread(values: Sequence[float]) -> Dict[str, float]:
    return {
        "median": percentile(values, 50),
        "p90": percentile(values, 90),
        "max": max(values),
    }


def ask(rest_url: str) -> Tuple[str, float, float]:
    """One patient turn from a new sender: (all reply text, sent at, seconds)."""
    body = json.dumps({"sender": f"bench-{uuid.uuid4().hex[:12]}", "message": QUESTION})
    request = urllib.request.Request(
        rest_url, data=body.encode(), headers={"Content-Type": "application/json"}
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        payload = json.loads(response.read())
    elapsed = time.perf_counter() - started
    return "\n".join(m.get("text") or "" for m in payload), started, elapsed


class StudioError(RuntimeError):
    """The studio did not do what a publisher's browser would expect."""


class Studio:
    """One publisher's browser session on the studio: cookies and the form's CSRF token."""

    def __init__(self, web_url: str) -> None:
        self.base = web_url.rstrip("/") + "/staff/"
        self.http = requests.Session()

    def sign_in(self, username: str, password: str) -> None:
        page = self.http.get(self.base + "sign-in", timeout=60)
        found = _CSRF.search(page.text)
        if not found:
            raise StudioError(f"no CSRF token on the sign-in page (HTTP {page.status_code})")
        form = {"csrf_token": found.group(1), "username": username, "password": password}
        answer = self.http.post(self.base + "sign-in", data=form, allow_redirects=False, timeout=60)
        if answer.status_code != 302:
            raise StudioError(f"sign-in answered HTTP {answer.status_code}, not a redirect")

    def edit_form(self) -> Tuple[str, str]:
        """The answer's edit page, as the redirect after a publish shows it: (csrf, latest)."""
        page = self.http.get(self.base + "answers/" + HURT, timeout=60)
        token, latest = _CSRF.search(page.text), _LATEST.search(page.text)
        if page.status_code != 200 or not token or not latest:
            raise StudioError(f"the edit page of {HURT} answered HTTP {page.status_code}")
        return token.group(1), latest.group(1)

    def publish(self, form: Tuple[str, str], text: str, source: str) -> Tuple[float, float]:
        """POST the edit form with action=publish: (sent at, seconds to the response)."""
        token, latest = form
        fields = {
            "csrf_token": token,
            "latest": latest,
            "text": text,
            "sources": source,
            "button_title_0": "Book a consultation",
            "button_payload_0": intents.payload(intents.BOOK_CONSULTATION),
            "action": "publish",
        }
        started = time.perf_counter()
        answer = self.http.post(
            self.base + "answers/" + HURT, data=fields, allow_redirects=False, timeout=60
        )
        elapsed = time.perf_counter() - started
        if answer.status_code != 302:  # 422: a check refused the text; 409: a race
            raise StudioError(f"publish answered HTTP {answer.status_code}: {answer.text[:300]}")
        return started, elapsed


@dataclass
class Arrival:
    publish_s: float
    swap_s: Optional[float]  # publish response -> REST reply with the new text; None: missed
    sent_s: Optional[float]  # publish response -> that REST request was sent
    asks: int


def publish_until_patients_get(studio: Studio, rest_url: str, text: str, source: str) -> Arrival:
    form = studio.edit_form()
    _, publish_s = studio.publish(form, text, source)
    answered = time.perf_counter()
    asks = 0
    while time.perf_counter() - answered <= ARRIVAL_LIMIT_S:
        reply, sent, took = ask(rest_url)
        asks += 1
        if text in reply and sent + took - answered <= ARRIVAL_LIMIT_S:
            return Arrival(publish_s, sent + took - answered, sent - answered, asks)
    return Arrival(publish_s, None, None, asks)


@dataclass
class Publisher:
    """A background thread that publishes every PUBLISH_EVERY_S while ``on`` is set."""

    studio: Studio
    texts: List[str]
    sources: List[str]
    rng: random.Random
    on: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)
    publishing: threading.Lock = field(default_factory=threading.Lock)  # held while one runs
    posts: List[Tuple[float, float]] = field(default_factory=list)  # (start, end) of each POST
    # (start, end) of each whole publish: the edit page's GET, then the POST
    cycles: List[Tuple[float, float]] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)

    def run(self) -> None:
        texts = itertools.cycle(self.texts)
        while not self.stop.is_set():
            if not self.on.wait(0.05):
                continue
            started = time.perf_counter()
            with self.publishing:
                if not self.on.is_set():
                    continue  # switched off while waiting for the lock
                try:
                    sent, took = self.studio.publish(
                        self.studio.edit_form(), next(texts), self.rng.choice(self.sources)
                    )
                    self.posts.append((sent, sent + took))
                    self.cycles.append((started, sent + took))
                except (StudioError, OSError, requests.RequestException) as error:
                    self.errors.append(str(error)[:200])
            rest = PUBLISH_EVERY_S - (time.perf_counter() - started)
            if rest > 0:
                self.stop.wait(rest)

    def quiet(self) -> None:
        """No publish from now on; returns when none is in flight and the poller saw the last."""
        self.on.clear()
        with self.publishing:
            pass
        time.sleep(REFRESH_SECONDS + 0.05)


def turn_latencies(
    rest_url: str, publisher: Publisher, turns: int, rng: random.Random
) -> Dict[str, object]:
    quiet: List[float] = []
    busy: List[float] = []
    busy_turns: List[Tuple[float, float]] = []
    busy_seconds = 0.0
    thread = threading.Thread(target=publisher.run, name="publisher", daemon=True)
    thread.start()
    try:
        for _ in range(max(1, turns // BLOCK)):
            order = ["quiet", "busy"]
            rng.shuffle(order)  # which of the pair goes first, so drift hits both alike
            for condition in order:
                if condition == "busy":
                    publisher.on.set()
                else:
                    publisher.quiet()
                block_started = time.perf_counter()
                for _ in range(BLOCK):
                    _, sent, took = ask(rest_url)
                    (busy if condition == "busy" else quiet).append(took)
                    if condition == "busy":
                        busy_turns.append((sent, sent + took))
                if condition == "busy":
                    busy_seconds += time.perf_counter() - block_started
        publisher.quiet()
    finally:
        publisher.stop.set()
        thread.join(timeout=60)

    def overlapping(spans: List[Tuple[float, float]]) -> int:
        return sum(1 for start, end in busy_turns if any(s < end and e > start for s, e in spans))

    return {
        "quiet_ms": {k: v * 1000 for k, v in spread(quiet).items()},
        "busy_ms": {k: v * 1000 for k, v in spread(busy).items()},
        "turns_each": len(quiet),
        "ratio_median": percentile(busy, 50) / percentile(quiet, 50),
        "ratio_p90": percentile(busy, 90) / percentile(quiet, 90),
        "busy_publishes": len(publisher.posts),
        "busy_publish_ms_median": (
            percentile([e - s for s, e in publisher.posts], 50) * 1000 if publisher.posts else 0
        ),
        "busy_seconds": busy_seconds,
        "overlapped_post": overlapping(publisher.posts),
        "overlapped_cycle": overlapping(publisher.cycles),
        "publisher_errors": publisher.errors,
    }


def prepare(workdir: Path) -> Tuple[str, Path]:
    """The throw-away database (with the publisher account) and content copy."""
    database = f"sqlite:///{workdir / 'pit.db'}"
    upgrade_database(database)
    with session_scope(session_factory(database)) as work:
        accounts.create_user(work, PUBLISHER, "publisher", PASSWORD, "bench")
    content = workdir / "content"
    content.mkdir()
    shutil.copy(ROOT / "domain.yml", content / "domain.yml")
    shutil.copytree(ROOT / "data", content / "data")
    return database, content


def start_stack(model: Path, workdir: Path, database: str, content: Path) -> Stack:
    stack = measuring_stack(model, workdir, with_web=True)
    # The stack's processes only: a throw-away database, studio key, content and spool.
    stack.extra_env.update(
        {
            DATABASE_URL_ENV: database,
            SECRET_KEY_ENV: secrets.token_urlsafe(32),
            CONTENT_ROOT_ENV: str(content),
            SPOOL_DIR_ENV: str(workdir / "spool"),
        }
    )
    try:
        stack.start(timeout=STARTUP_TIMEOUT_S)
    except RuntimeError:
        for log in sorted(workdir.glob("*.log")):
            print(f"--- {log.name} ---\n" + log.read_text(errors="replace")[-4000:])
        raise
    return stack


def run(args: argparse.Namespace, model: Path) -> Dict[str, object]:
    rng = random.Random(args.seed)
    texts = fixed_texts(args.publishes, rng)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="pit-studio-bench-") as tmp:
        workdir = Path(tmp)
        database, content = prepare(workdir)
        sources = hurt_sources(content)
        print("Starting the stack ...", flush=True)
        stack = start_stack(model, workdir, database, content)
        try:
            for _ in range(3):  # warm-up, not counted
                reply, _, _ = ask(stack.rest_url)
            if ORIGINAL_START not in reply:
                raise StudioError(f"{QUESTION!r} is not answered with {HURT}: {reply[:200]!r}")
            studio = Studio(stack.web_url or "")
            studio.sign_in(PUBLISHER, PASSWORD)
            arrivals: List[Arrival] = []
            for index, text in enumerate(texts, start=1):
                time.sleep(rng.uniform(0, REFRESH_SECONDS))  # not in step with the poller
                arrival = publish_until_patients_get(
                    studio, stack.rest_url, text, rng.choice(sources)
                )
                arrivals.append(arrival)
                swap = "MISSED" if arrival.swap_s is None else f"{arrival.swap_s:.3f} s"
                print(
                    f"  publish {index}/{len(texts)}: request {arrival.publish_s * 1000:.0f} ms,"
                    f" on REST after {swap} ({arrival.asks} asks)",
                    flush=True,
                )
            print(f"Patient turns, {args.turns} quiet and {args.turns} publishing ...", flush=True)
            publisher = Publisher(studio, texts, sources, rng)
            turns = turn_latencies(stack.rest_url, publisher, args.turns, rng)
            stopped = [p.name for p in stack.processes if p.exited() is not None]
            if stopped:
                raise RuntimeError(f"stopped during the run: {', '.join(stopped)}")
        finally:
            stack.stop()
            dispose_engines()
    arrived = [a.swap_s for a in arrivals if a.swap_s is not None]
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "model": model.name,
        "seed": args.seed,
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "arrivals": arrivals,
        "missed": len(arrivals) - len(arrived),
        "swap_s": spread(arrived) if arrived else None,
        "sent_s": spread([a.sent_s for a in arrivals if a.sent_s is not None]) if arrived else None,
        "publish_ms": {k: v * 1000 for k, v in spread([a.publish_s for a in arrivals]).items()},
        "asks": spread([float(a.asks) for a in arrivals]),
        "turns": turns,
        "command": command_line(args),
        "code": code_state(),
    }


def code_state() -> str:
    """The commit the run used, and whether the working tree had changes on top."""

    def git(*words: str) -> str:
        found = subprocess.run(["git", *words], cwd=ROOT, capture_output=True, text=True)
        return found.stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = bool(git("status", "--porcelain", "--untracked-files=no"))
    return f"commit {head}" + (" with uncommitted changes in the working tree" if changed else "")


def command_line(args: argparse.Namespace) -> str:
    if sys.argv[1:]:
        return "python bench/studio_publish_bench.py " + " ".join(sys.argv[1:])
    return "make bench-studio"


def _row(name: str, values: Optional[Dict[str, float]], unit: str, digits: int) -> str:
    if values is None:
        return f"| {name} | - | - | - |"
    shown = [f"{values[k]:.{digits}f}{unit}" for k in ("median", "p90", "max")]
    return f"| {name} | " + " | ".join(shown) + " |"


def to_markdown(r: Dict) -> str:
    t = r["turns"]
    load = "/".join(f"{x:.1f}" for x in r["load_before"])
    load_after = "/".join(f"{x:.1f}" for x in r["load_after"])
    lines = [
        f"# Studio publish benchmark {r['date']}",
        "",
        f"Model {r['model']}. Machine: {MACHINE_NOTE} (load average {load} at the start, "
        f"{load_after} at the end): read medians and ratios, not absolutes. "
        f"Command: `{r['command']}` (seed {r['seed']}). Code: {r['code']}.",
        "",
        "The real stack on loopback (Rasa server whose `PublishedAnswersGenerator` reads the "
        f"database every {REFRESH_SECONDS} s, action server, web process) with a throw-away "
        "SQLite database and copy of domain.yml and data/. A publisher signed in over HTTP "
        'publishes a new text for "Does it hurt?" through the studio\'s form (the POST '
        'alone, its redirect not followed); then "does it hurt?" is asked over REST back to '
        "back, a new sender each time, until a reply has the new text.",
        "",
        f"## Publish to patients ({len(r['arrivals'])} publishes, {r['missed']} not on REST "
        f"within {ARRIVAL_LIMIT_S:g} s)",
        "",
        "| | median | p90 | max |",
        "|---|---|---|---|",
        _row("publish response → REST reply with the new text", r["swap_s"], " s", 3),
        _row("publish response → that REST request sent", r["sent_s"], " s", 3),
        _row("publish request", r["publish_ms"], " ms", 0),
        _row("REST asks until the new text", r["asks"], "", 0),
        "",
        "The first figure includes the REST turn that brought the new text; the second is "
        f"when that turn was sent. The poller's period ({REFRESH_SECONDS} s) bounds the wait "
        "for the swap itself; each publish waits a seeded 0-0.25 s first so it does not fall "
        "in step with the poller.",
        "",
        "## Patient turns while staff publish",
        "",
        f'REST "{QUESTION}" round trip, a new sender each turn, {t["turns_each"]} turns per '
        f"condition in alternating blocks of {BLOCK} (which block of a pair goes first is "
        f"seeded). While publishing, a background thread loads the edit page and publishes "
        f"every {PUBLISH_EVERY_S} s, or back to back when one takes longer: "
        f"{t['busy_publishes']} publishes in {t['busy_seconds']:.1f} s of publishing blocks "
        f"(one every {t['busy_seconds'] / max(1, t['busy_publishes']):.2f} s; publish "
        f"request median {t['busy_publish_ms_median']:.0f} ms). Of the {t['turns_each']} "
        f"turns while publishing, {t['overlapped_post']} overlapped a publish POST and "
        f"{t['overlapped_cycle']} the edit page's GET or the POST.",
        "",
        "| condition | median ms | p90 ms | max ms |",
        "|---|---|---|---|",
        _row("no publishing", t["quiet_ms"], "", 1),
        _row("while publishing", t["busy_ms"], "", 1),
        "",
        f"Ratio publishing / quiet: median {t['ratio_median']:.2f}, p90 {t['ratio_p90']:.2f}.",
    ]
    if t["publisher_errors"]:
        lines += ["", "Background publishes that failed:", ""]
        lines += [f"- `{e}`" for e in t["publisher_errors"][:5]]
    lines += [
        "",
        "## Each publish",
        "",
        "| # | publish request ms | on REST after s | REST asks |",
        "|---|---|---|---|",
    ]
    for index, a in enumerate(r["arrivals"], start=1):
        swap = "not within 5 s" if a.swap_s is None else f"{a.swap_s:.3f}"
        lines.append(f"| {index} | {a.publish_s * 1000:.0f} | {swap} | {a.asks} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--publishes", type=int, default=20)
    parser.add_argument("--turns", type=int, default=50, help="patient turns per condition")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--model", type=Path, help="model file (default: the current one)")
    args = parser.parse_args()
    pinned = os.environ.get("PIT_TEST_MODEL")
    model = args.model or (Path(pinned) if pinned else ensure_model())
    try:
        result = run(args, model)
    except (RuntimeError, OSError, requests.RequestException) as error:
        print(f"The stack failed: {error}", file=sys.stderr)
        return 1
    markdown = to_markdown(result)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"studio-publish-{datetime.now(timezone.utc):%Y-%m-%d}.md"
    path.write_text(markdown)
    print(markdown)
    print(f"Recorded in {path}")
    if result["missed"]:
        print(f"{result['missed']} publishes did not reach REST within 5 s", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
