"""Benchmark: training time of our pipeline against another config, side by side in one run.

Each round trains `rasa train nlu` once with each config (the order alternates), each run
with its own empty Rasa cache, and reads from Rasa's log when each component started and
finished. ``--epochs`` sets every classifier's epochs in both configs (fewer epochs, same
time per epoch). Medians per component and in all go to
bench/results/training-time-<name>-<date>.md.

    python bench/training_time.py --before-config /tmp/old-config.yml --rounds 2 --epochs 20
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine, write_result  # noqa: E402
from bench.nlu_training import config_with_epochs, train_nlu  # noqa: E402
from bot.environment import rasa_env  # noqa: E402

LOG_LINE = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) .*(Starting to train|Finished training) component '(\w+)'"
)
Seconds = Dict[str, float]


def component_seconds(log: str) -> Seconds:
    """Seconds from each component's start to its finish, from Rasa's training log."""
    started: Dict[str, datetime] = {}
    seconds: Seconds = {}
    for line in log.splitlines():
        found = LOG_LINE.search(line)
        if not found:
            continue
        stamp = datetime.strptime(found.group(1), "%Y-%m-%d %H:%M:%S")
        name = found.group(3)
        if found.group(2) == "Starting to train":
            started[name] = stamp
        elif name in started:
            seconds[name] = seconds.get(name, 0.0) + (stamp - started.pop(name)).total_seconds()
    return seconds


def train(config: Path, folder: Path, label: str) -> Seconds:
    """One training with an empty cache: each component's seconds, and 'in all'."""
    done, total = train_nlu(config, folder / label, folder / f"cache-{label}", rasa_env())
    seconds = component_seconds(done.stdout + "\n" + done.stderr)
    seconds["in all"] = total
    return seconds


def counterpart(name: str, names: List[str]) -> str:
    """The component of the other config that ``name`` stands for: the same name, or the
    name it ends with (our ``SentenceLevelDIETClassifier`` for Rasa's ``DIETClassifier``)."""
    if name in names:
        return name
    matches = [n for n in names if name.endswith(n) or n.endswith(name)]
    return max(matches, key=len) if matches else name


def report(runs: Dict[str, List[Seconds]], before: Path, epochs: int, command: str) -> str:
    m = machine()
    names = [n for n in runs["now"][0] if n != "in all"]
    names = sorted(names, key=lambda n: -statistics.median(r.get(n, 0) for r in runs["now"]))
    before_names = list(runs["before"][0])
    lines = [
        f"# Training time: config.yml against `{before.name}` ({time.strftime('%Y-%m-%d')})",
        "",
        f"Machine: {m['host']}, {m['cpus']} CPUs, {m['memory_gib']} GiB. Command: `{command}`. "
        f"`rasa train nlu`, {epochs} epochs per classifier, an empty Rasa cache per run, the "
        f"two configs alternating, {len(runs['now'])} rounds; medians, seconds (components "
        "from Rasa's log, to the second).",
        "",
        "| component | before | now | now / before |",
        "|---|---|---|---|",
    ]
    for name in names + ["in all"]:
        old_name = counterpart(name, before_names)
        before_s = statistics.median(r.get(old_name, 0.0) for r in runs["before"])
        now_s = statistics.median(r.get(name, 0.0) for r in runs["now"])
        ratio = f"{now_s / before_s:.2f}" if before_s else "-"
        label = name if old_name == name else f"{name} (before: {old_name})"
        lines.append(f"| {label} | {before_s:.0f} | {now_s:.0f} | {ratio} |")
    lines += ["", "Every run (in all, s):", ""]
    for variant, rs in runs.items():
        lines.append(f"- {variant}: " + ", ".join(f"{r['in all']:.0f}" for r in rs))
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before-config", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--name", default="config", help="file name part of the result")
    args = parser.parse_args()
    runs: Dict[str, List[Seconds]] = {"before": [], "now": []}
    with tempfile.TemporaryDirectory(prefix="training-time-") as tmp:
        folder = Path(tmp)
        configs = {
            name: config_with_epochs(source, args.epochs, folder / f"{name}.yml")
            for name, source in (
                ("before", args.before_config.resolve()),
                ("now", ROOT / "config.yml"),
            )
        }
        for number in range(args.rounds):
            order = ["now", "before"] if number % 2 else ["before", "now"]
            for variant in order:
                seconds = train(configs[variant], folder, f"{variant}{number}")
                runs[variant].append(seconds)
                print(f"round {number + 1} {variant}: {seconds}", flush=True)
    command = "python bench/training_time.py " + " ".join(sys.argv[1:])
    write_result(
        f"training-time-{args.name}", report(runs, args.before_config, args.epochs, command)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
