"""Benchmark: each server's memory as `make run` starts it, with and without an environment
variable (or with another model), side by side in one run.

Each round starts a fresh stack (bot/stack.py's ``measuring_stack``: the real Rasa server and
action server on loopback, the trained model), waits until both answer, sends the held-out
patient questions over REST (each the first message of its own conversation), then reads
each process's resident set size now and its peak (VmHWM). The two variants alternate,
--rounds times each, and the medians are written to bench/results/server-memory-<setting>-<date>.md.
Every answer is compared: a setting meant to save memory must not change what patients get.

    python bench/server_memory.py --before-env PIT_IMPORT_UNUSED=1 --rounds 3
    python bench/server_memory.py --before-model models/older.tar.gz --rounds 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine, peak_rss_mib, rest_reply, rss_mib, write_result  # noqa: E402
from bot.evaluation.nlu import load_examples  # noqa: E402
from bot.model_store import ensure_model  # noqa: E402
from bot.stack import measuring_stack  # noqa: E402

Figures = Dict[str, Any]


def _answer(url: str, sender: str, text: str) -> List[Any]:
    """The assistant's messages, without ``recipient_id`` (the sender differs per round)."""
    messages = rest_reply(url, sender, text)
    return [{k: v for k, v in m.items() if k != "recipient_id"} for m in messages]


def one_round(model: Path, env: Dict[str, str], texts: List[str], label: str) -> Figures:
    """Start the stack with ``env`` on top, send ``texts``, read each process's memory."""
    with tempfile.TemporaryDirectory(prefix="pit-memory-") as workdir:
        stack = measuring_stack(model, Path(workdir))
        stack.extra_env = dict(env)
        started = time.perf_counter()
        stack.start()
        try:
            ready_s = time.perf_counter() - started
            answers = [
                _answer(stack.rest_url, f"memory-{label}-{i}", text) for i, text in enumerate(texts)
            ]
            memory = {
                p.name: {"rss": rss_mib(p.popen.pid), "peak": peak_rss_mib(p.popen.pid)}
                for p in stack.processes
                if p.popen
            }
        finally:
            stack.stop()
    return {"ready_s": ready_s, "memory": memory, "answers": answers}


def _parse_env(pairs: List[str]) -> Dict[str, str]:
    env = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise SystemExit(f"--before-env takes NAME=VALUE, not {pair!r}")
        env[name] = value
    return env


def report(runs: Dict[str, List[Figures]], setting: str, command: str) -> str:
    m = machine()
    processes = list(runs["now"][0]["memory"])
    identical = all(r["answers"] == runs["now"][0]["answers"] for rs in runs.values() for r in rs)

    def median(name: str, process: str, key: str) -> float:
        return statistics.median(r["memory"][process][key] for r in runs[name])

    lines = [
        f"# Server memory before (`{setting}`) and now ({time.strftime('%Y-%m-%d')})",
        "",
        f"Machine: {m['host']}, {m['cpus']} CPUs, {m['memory_gib']} GiB, Python {m['python']}. "
        f"Command: `{command}`. Each round a fresh stack (real Rasa server and action server "
        f"on loopback), {len(runs['now'][0]['answers'])} held-out patient questions over REST, "
        f"one conversation each; the variants alternate, {len(runs['now'])} rounds each; "
        "medians, MiB.",
        "",
        f"| process, figure | with `{setting}` | now | now - before |",
        "|---|---|---|---|",
    ]
    for process in processes:
        for key, label in (("rss", "RSS after the questions"), ("peak", "peak RSS (VmHWM)")):
            before, now = median("before", process, key), median("now", process, key)
            lines.append(f"| {process}, {label} | {before:.0f} | {now:.0f} | {now - before:+.0f} |")
    ready = {name: statistics.median(r["ready_s"] for r in rs) for name, rs in runs.items()}
    lines += [
        f"| start to both servers ready, s | {ready['before']:.1f} | {ready['now']:.1f} | "
        f"{ready['now'] - ready['before']:+.1f} |",
        "",
        f"Answers identical in every round: **{'yes' if identical else 'NO'}**.",
        "",
        "Every round:",
        "",
    ]
    for name, rs in runs.items():
        for r in rs:
            figures = ", ".join(
                f"{p} {v['rss']:.0f}/{v['peak']:.0f}" for p, v in r["memory"].items()
            )
            lines.append(f"- {name}: {figures} (RSS/peak), ready in {r['ready_s']:.1f} s")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--before-env", action="append", default=[], metavar="NAME=VALUE",
        help="the setting of the 'before' variant (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--before-model", type=Path, help="the 'before' variant runs this model instead"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--questions", type=int, default=150)
    args = parser.parse_args()
    before_env = _parse_env(args.before_env)
    if not before_env and not args.before_model:
        parser.error("give --before-env NAME=VALUE, --before-model PATH, or both")
    model = ensure_model()
    before_model = args.before_model.resolve() if args.before_model else model
    texts = [e.text for e in load_examples()][: args.questions]
    runs: Dict[str, List[Figures]] = {"before": [], "now": []}
    for number in range(args.rounds):
        order = ["now", "before"] if number % 2 else ["before", "now"]
        for name in order:
            env = before_env if name == "before" else {}
            variant_model = before_model if name == "before" else model
            runs[name].append(one_round(variant_model, env, texts, f"{name}{number}"))
            print(f"round {number + 1} {name}: {runs[name][-1]['memory']}", flush=True)
    command = "python bench/server_memory.py " + " ".join(sys.argv[1:])
    parts = [f"{k}={v}" for k, v in before_env.items()]
    parts += [f"model {before_model.name} (now {model.name})"] if before_model != model else []
    slugs = [k.lower().replace("_", "-") for k in before_env]
    slugs += [before_model.name.split(".")[0]] if before_model != model else []
    write_result(f"server-memory-{'-'.join(slugs)}", report(runs, ", ".join(parts), command))
    return 0


if __name__ == "__main__":
    sys.exit(main())
