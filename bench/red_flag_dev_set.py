"""A red-flag development set end to end, as a new patient would meet it.

Starts the real assistant on loopback (Rasa server and action server, the given model) and
sends every message of one or more sets (``emergencies`` with a ``category``, ``near_misses``
with a ``kind``, as in tests/safety/dev/) as the first message of a new REST conversation;
a message counts as urgent when the first reply is the urgent guidance (the judge of
``make eval-safety``). Prints the counts per category and kind and, for development sets,
every emergency missed and every near miss flagged, to find the general faults behind them.
The independent set (tests/safety/independent/) is refused: its messages are never printed.

    .venv/bin/python bench/red_flag_dev_set.py models/pit-....tar.gz \
        tests/safety/dev/blind_2026_12_06.yml
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from operator import attrgetter
from pathlib import Path
from typing import Callable, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

from bot.evaluation.independent import (  # noqa: E402
    INDEPENDENT_SET,
    WORKERS,
    Case,
    _count,
    load_cases,
    rest_urgent,
)

INDEPENDENT_DIR = INDEPENDENT_SET.parent


def _is_independent(path: Path) -> bool:
    return INDEPENDENT_DIR.resolve() in path.resolve().parents


def report(
    path: Path, emergencies: Sequence[Case], near: Sequence[Case], urgent: Callable[[str], bool]
) -> str:
    """Counts per category and kind, then every emergency missed and near miss flagged."""
    with ThreadPoolExecutor(WORKERS) as pool:
        em_flags = list(pool.map(urgent, [c.text for c in emergencies]))
        nm_flags = list(pool.map(urgent, [c.text for c in near]))
    lines = [
        f"== {path}",
        f"emergencies caught   {sum(em_flags)}/{len(emergencies)}",
        f"near misses flagged  {sum(nm_flags)}/{len(near)}",
    ]
    by_group = attrgetter("group")
    lines += [
        f"  caught   {g:26s}{hit}/{n}"
        for g, (hit, n) in _count(emergencies, em_flags, by_group).items()
    ]
    lines += [
        f"  flagged  {g:26s}{hit}/{n}" for g, (hit, n) in _count(near, nm_flags, by_group).items()
    ]
    lines += [
        f"  MISSED   {c.group} {c.lang} | {c.text}"
        for c, f in zip(emergencies, em_flags, strict=True)
        if not f
    ]
    lines += [
        f"  FLAGGED  {c.group} {c.lang} | {c.text}"
        for c, f in zip(near, nm_flags, strict=True)
        if f
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("sets", type=Path, nargs="+")
    args = parser.parse_args(list(argv) or None)
    refused = [p for p in args.sets if _is_independent(p)]
    if refused:
        print(f"refused: {refused[0]} is an independent set; use `python -m bot eval-safety`")
        return 2
    from bot.stack import measuring_stack

    with tempfile.TemporaryDirectory(prefix="pit-dev-set-") as workdir:
        with measuring_stack(args.model, Path(workdir)) as stack:
            urgent = rest_urgent(stack.rest_url)
            for path in args.sets:
                emergencies, near = load_cases(path)
                print(report(path, emergencies, near, urgent), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
