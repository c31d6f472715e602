"""Red-flag checker benchmark: per-category recall, false alarms per kind, time per message.

Runs the checker as the Rasa component does (catalog patterns + ConText, then the semantic
net when the patterns found nothing), in this process, on the development sets
(tests/safety/dev/) and, when present, the independent set (aggregates only: its messages
are never printed). Then the time for long messages (an emergency at the very end of 1,000
to 100,000 characters of ordinary text: the channels refuse more than
``limits.message_max_chars``, 1,000 as shipped, but a clinic may raise it to 100,000).
Writes bench/results/red-flag-checker-<date>.md.

    make bench-red-flags
    .venv/bin/python bench/red_flag_checker.py [--dev-only]
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Dict, List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.evaluation.independent import INDEPENDENT_SET, Case, load_cases  # noqa: E402
from bot.safety.red_flags import detector_for  # noqa: E402
from bot.safety.semantic import semantic_net  # noqa: E402
from bot.settings import PROJECT_ROOT  # noqa: E402

DEV_SETS = [
    PROJECT_ROOT / "tests/safety/dev/red_flags.yml",
    PROJECT_ROOT / "tests/safety/dev/threshold.yml",
]
RESULTS = PROJECT_ROOT / "bench" / "results"


def check(text: str) -> Tuple[bool, float]:
    """(urgent?, seconds) for one message, as RedFlagClassifier decides."""
    started = time.perf_counter()
    hits, dismissed = detector_for().assess(text)
    flagged = bool(hits)
    if not hits and not dismissed:
        net = semantic_net()
        flagged = bool(net and net.judge(text))
    return flagged, time.perf_counter() - started


def score(emergencies: List[Case], near: List[Case], times: List[float]) -> List[str]:
    hit, tot, alarm, ntot, lang_hit, lang_tot = (Counter() for _ in range(6))
    for case in emergencies:
        flagged, seconds = check(case.text)
        times.append(seconds)
        tot[case.group] += 1
        hit[case.group] += flagged
        lang_tot[case.lang] += 1
        lang_hit[case.lang] += flagged
    for case in near:
        flagged, seconds = check(case.text)
        times.append(seconds)
        ntot[case.group] += 1
        alarm[case.group] += flagged

    def pct(a: int, b: int) -> str:
        return f"{a / b:.1%} ({a}/{b})" if b else "n/a"

    lines = [
        f"- recall: {pct(sum(hit.values()), sum(tot.values()))}",
        f"- false alarms: {pct(sum(alarm.values()), sum(ntot.values()))}",
        "",
        "| category | recall |",
        "|---|---|",
    ]
    lines += [f"| {k} | {pct(hit[k], tot[k])} |" for k in sorted(tot)]
    lines += ["", "| language | recall |", "|---|---|"]
    lines += [f"| {k} | {pct(lang_hit[k], lang_tot[k])} |" for k in sorted(lang_tot)]
    lines += ["", "| near-miss kind | false alarms |", "|---|---|"]
    lines += [f"| {k} | {pct(alarm[k], ntot[k])} |" for k in sorted(ntot)]
    return lines


LONG_LENGTHS = (1_000, 10_000, 100_000)
LONG_RUNS = 5


def long_messages() -> List[str]:
    """Median time for an emergency at the end of a long message (it must still be found)."""
    filler = "I have a question about how many sessions I need and what it costs. "
    lines = ["| characters | median | found |", "|---|---|---|"]
    for length in LONG_LENGTHS:
        text = (filler * (length // len(filler) + 1))[: length - 22] + " Also I can't breathe."
        times, found = [], True
        for _ in range(LONG_RUNS):
            started = time.perf_counter()
            hits, _ = detector_for().assess(text)
            times.append(time.perf_counter() - started)
            found = found and [h.key for h in hits] == ["breathing"]
        lines.append(f"| {len(text):,} | {statistics.median(times) * 1000:.0f} ms | {found} |")
    return lines


def main() -> int:
    detector_for().warm_up()
    semantic_net()
    sets: Dict[str, Path] = {p.stem: p for p in DEV_SETS}
    if INDEPENDENT_SET.is_file() and "--dev-only" not in sys.argv:
        sets["independent (aggregates only)"] = INDEPENDENT_SET
    times: List[float] = []
    out = [
        f"# Red-flag checker benchmark, {dt.date.today().isoformat()}",
        "",
        "Checker only (patterns + ConText + semantic net), in process; `make eval-safety`",
        "judges the assistant's first reply end to end. Machine: 2 shared CPU cores.",
    ]
    for name, path in sets.items():
        emergencies, near = load_cases(path)
        out += ["", f"## {name}", ""] + score(emergencies, near, times)
    times_ms = sorted(t * 1000 for t in times)
    p95 = times_ms[int(0.95 * (len(times_ms) - 1))]
    out += [
        "",
        "## Time the checker adds per message",
        "",
        f"- messages: {len(times_ms)}",
        f"- median: {statistics.median(times_ms):.1f} ms",
        f"- p95: {p95:.1f} ms",
        "",
        f"## Long messages (median of {LONG_RUNS})",
        "",
        *long_messages(),
    ]
    text = "\n".join(out) + "\n"
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / f"red-flag-checker-{dt.date.today().isoformat()}.md"
    target.write_text(text, encoding="utf-8")
    print(f"Written: {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
