"""Benchmark: the Rasa server's memory with Rasa's model loading and with ours, side by side.

Each run is a fresh process that loads the model as the Rasa server does (bot/rasa_speedups.py
installed as the environment selects: ``PIT_RASA_SPEEDUPS=schema`` keeps Rasa's
``RasaModel.load``, which trains each TensorFlow model on one example before loading its
weights; unset installs ours, which builds it by one forward pass), records the resident set
size each graph node adds while loading, then parses the held-out patient questions and
reports RSS and its peak (VmHWM). The two loaders alternate, --rounds times each; medians.
The answers of every run are compared: they must be the same to the last bit.

    make bench-model-memory
    python bench/model_memory.py --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine, peak_rss_mib, rss_mib, write_result  # noqa: E402
from bot.evaluation.nlu import load_examples, prediction_numbers  # noqa: E402
from bot.model_store import ensure_model  # noqa: E402
from bot.rasa_speedups import SCHEMA_ONLY, SWITCH_ENV  # noqa: E402

RASA_LOADING = "Rasa's loading"
LOADERS = {RASA_LOADING: SCHEMA_ONLY, "ours": "1"}


def _rss_mib() -> int:
    return int(rss_mib(os.getpid()))


def child(model: str, texts_file: str) -> None:
    """One loader in this process: per-node RSS while loading, then the parses."""
    from bot import rasa_speedups

    rasa_speedups.install()
    import rasa.engine.graph as graph
    from rasa.core.agent import Agent

    nodes: Dict[str, int] = {}
    load_node = graph.GraphNode._load_component

    def measured(self: Any, **kwargs: Any) -> None:
        before = _rss_mib()
        load_node(self, **kwargs)
        nodes[self._node_name] = _rss_mib() - before

    graph.GraphNode._load_component = measured
    before_load = _rss_mib()
    started = time.perf_counter()
    agent = Agent.load(model)
    load_s = time.perf_counter() - started
    texts = json.loads(Path(texts_file).read_text(encoding="utf-8"))
    answers = [prediction_numbers(asyncio.run(agent.parse_message(t))) for t in texts]
    print(
        json.dumps(
            {
                "before_load": before_load,
                "rss": _rss_mib(),
                "hwm": int(peak_rss_mib(os.getpid())),
                "load_s": round(load_s, 1),
                "nodes": nodes,
                "answers": answers,
            }
        )
    )


def run_one(model: Path, texts_file: Path, switch: str) -> Dict[str, Any]:
    env = {**os.environ, SWITCH_ENV: switch}
    command = [sys.executable, __file__, "--child", str(model), str(texts_file)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(model: Path, runs: Dict[str, List[Dict[str, Any]]], command: str) -> str:
    m = machine()
    med = {
        name: {k: statistics.median(r[k] for r in rs) for k in ("rss", "hwm", "load_s")}
        for name, rs in runs.items()
    }
    identical = all(r["answers"] == runs["ours"][0]["answers"] for rs in runs.values() for r in rs)
    rasa, ours = med[RASA_LOADING], med["ours"]
    lines = [
        f"# Rasa server memory: Rasa's model loading and ours ({time.strftime('%Y-%m-%d')})",
        "",
        f"Machine: {m['host']}, {m['cpus']} CPUs, {m['memory_gib']} GiB, Python {m['python']}. "
        f"Model `{model.name}`. Command: `{command}`. Each run a fresh process, the loaders "
        f"alternating, {len(runs['ours'])} runs each; medians. After loading, "
        f"{len(runs['ours'][0]['answers'])} held-out patient questions are parsed.",
        "",
        "| figure | Rasa's loading | ours | ours / Rasa's |",
        "|---|---|---|---|",
    ]
    for key, label in (
        ("rss", "RSS after the parses, MiB"),
        ("hwm", "peak RSS (VmHWM), MiB"),
        ("load_s", "load time, s"),
    ):
        lines.append(f"| {label} | {rasa[key]:g} | {ours[key]:g} | {ours[key] / rasa[key]:.2f} |")
    lines += [
        "",
        f"Answers (every intent and response-selector confidence) identical in all runs: "
        f"**{'yes' if identical else 'NO'}**.",
        "",
        "RSS each graph node added while loading (MiB, median; nodes that added none left out):",
        "",
        "| node | Rasa's loading | ours |",
        "|---|---|---|",
    ]
    per_node: Dict[str, Dict[str, float]] = defaultdict(dict)
    for name, rs in runs.items():
        for node in rs[0]["nodes"]:
            per_node[node][name] = statistics.median(r["nodes"].get(node, 0) for r in rs)
    for node, values in per_node.items():
        if any(values.values()):
            lines.append(f"| {node} | {values.get(RASA_LOADING)} | {values.get('ours')} |")
    lines += ["", "Every run:", ""]
    for name, rs in runs.items():
        for r in rs:
            lines.append(
                f"- {name}: RSS {r['rss']} MiB, peak {r['hwm']} MiB, before loading "
                f"{r['before_load']} MiB, load {r['load_s']} s"
            )
    return "\n".join(lines) + "\n"


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--model", type=Path, help="default: the model for the current data")
    parser.add_argument("--texts", type=int, default=150, help="held-out questions parsed")
    args = parser.parse_args()
    model = args.model or ensure_model()
    texts_file = ROOT / "build" / "model-memory-texts.json"
    texts_file.parent.mkdir(parents=True, exist_ok=True)
    texts = [e.text for e in load_examples()][: args.texts]
    texts_file.write_text(json.dumps(texts), encoding="utf-8")
    runs: Dict[str, List[Dict[str, Any]]] = {name: [] for name in LOADERS}
    for round_no in range(args.rounds):
        order = list(LOADERS.items())
        if round_no % 2:
            order.reverse()
        for name, switch in order:
            runs[name].append(run_one(model, texts_file, switch))
            print(f"round {round_no + 1} {name}: RSS {runs[name][-1]['rss']} MiB", flush=True)
    command = "python bench/model_memory.py " + " ".join(sys.argv[1:])
    write_result("model-memory", report(model, runs, command.strip()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
