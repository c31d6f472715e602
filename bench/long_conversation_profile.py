"""Where a message late in a long conversation spends its time: the Rasa server under py-spy.

Starts the stack as benchmarks do (bot.stack.measuring_stack: loopback, free ports, SQLite
tracker store in a throw-away workdir), sends one conversation of --turns held-out patient
questions over REST (after one ``/session_start``), and attaches py-spy to the Rasa server
for the last --tail turns only. Prints p50 of the first 20 turns against p50 of the profiled
ones, the profile's buckets (as ``make profile``) and the functions with the most inclusive
time, and writes bench/results/long-conversation-<date>.md (raw folded stacks in
build/profile/). ``--env KEY=VALUE`` sets the Rasa server's environment, for example
``PIT_RASA_SPEEDUPS=schema`` to profile without the later savings.

    make profile-long
    python bench/long_conversation_profile.py --turns 400 --tail 30
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine, post, write_result  # noqa: E402
from bench.profile_message import (  # noqa: E402
    PY_SPY,
    QualNames,
    aggregate,
    parse_folded,
    rasa_bucket,
    record,
    stop_recording,
    top_functions,
)
from bot.evaluation.nlu import load_examples  # noqa: E402
from bot.model_store import ensure_model  # noqa: E402
from bot.stack import measuring_stack  # noqa: E402

RAW_DIR = ROOT / "build" / "profile"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=400)
    parser.add_argument("--tail", type=int, default=30, help="last turns profiled")
    parser.add_argument("--rate", type=int, default=200, help="py-spy samples per second")
    parser.add_argument("--model", type=Path, help="default: the model for the current data")
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE for the servers")
    args = parser.parse_args()
    if not PY_SPY.exists():
        print(f"{PY_SPY} is missing: run `make install` (py-spy is in requirements.txt)")
        return 2
    model = args.model or ensure_model()
    env: Dict[str, str] = dict(item.split("=", 1) for item in args.env)
    texts = [e.text for e in load_examples()]
    RAW_DIR.mkdir(parents=True, exist_ok=True)
    raw = RAW_DIR / f"long-conversation-{time.strftime('%Y%m%d-%H%M%S')}.txt"
    first: List[float] = []
    last: List[float] = []
    with tempfile.TemporaryDirectory(prefix="pit-long-") as workdir:
        stack = measuring_stack(model, Path(workdir))
        stack.extra_env.update(env)
        stack.start()
        try:
            sender = f"long-{uuid.uuid4().hex[:8]}"
            post(stack.rest_url, sender, "/session_start")
            for turn in range(args.turns - args.tail):
                elapsed = post(stack.rest_url, sender, texts[turn % len(texts)])
                if turn < 20:
                    first.append(elapsed)
            rasa = next(p for p in stack.processes if p.name == "Rasa server")
            assert rasa.popen is not None
            spy = record(rasa.popen.pid, raw, args.rate)
            time.sleep(2)  # py-spy attaches
            for turn in range(args.turns - args.tail, args.turns):
                last.append(post(stack.rest_url, sender, texts[turn % len(texts)]))
            print(stop_recording(spy)[-300:])
        finally:
            stack.stop()
    buckets, inclusive, _, total = aggregate(parse_folded(raw, QualNames()), rasa_bucket)
    p50_first, p50_last = statistics.median(first) * 1000, statistics.median(last) * 1000
    m = machine()
    lines = [
        f"# A long conversation's late turns under py-spy ({time.strftime('%Y-%m-%d %H:%M')} UTC)",
        "",
        f"Machine: {m['host']}, {m['cpus']} CPUs, Python {m['python']}; shared. Model "
        f"`{model.name}`. Command: `python bench/long_conversation_profile.py "
        f"{' '.join(sys.argv[1:])}`. One conversation of {args.turns} turns; py-spy "
        f"({args.rate} Hz) on the Rasa server for turns {args.turns - args.tail + 1}-"
        f"{args.turns}. Raw stacks: `build/profile/{raw.name}`.",
        "",
        f"p50 of turns 1-20: **{p50_first:.1f} ms**; p50 of the profiled turns: "
        f"**{p50_last:.1f} ms** (x{p50_last / p50_first:.2f}).",
        "",
        "| bucket | share of samples |",
        "|---|---|",
    ]
    lines += [f"| {name} | {100 * n / total:.1f}% |" for name, n in buckets.most_common(12)]
    lines += ["", "| function (inclusive) | share |", "|---|---|"]
    lines += [f"| {r['function']} | {r['share']}% |" for r in top_functions(inclusive, total, 25)]
    write_result("long-conversation", "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
