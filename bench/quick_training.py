"""Benchmark: the studio's quick training (fine-tuned from the live full model) beside a
full training of the same content, side by side in one run: time, and every gate's figures.

The content is the project's with one change a publisher might make: three new ways to
ask how many sessions it takes (the first three phrasings of the studio's whole-loop test,
tests/browser/test_studio_retrain.py). Both trainings start with an empty Rasa cache; the
quick one starts from the project's current full model, with each ``--fractions`` share of
the epochs. Each model then goes through the studio's gates (`python -m bot staff gates`:
held-out questions and the independent style set against the current model, the project's
red-flag sets and the independent red-flag set). Results go to
bench/results/quick-training-<date>.md.

    python bench/quick_training.py [--fractions 0.25]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine, write_result  # noqa: E402
from bench.nlu_training import timed_training  # noqa: E402
from bench.training_time import component_seconds  # noqa: E402
from bot.environment import rasa_env  # noqa: E402
from bot.model_store import ensure_model, quick_train_command, train_command  # noqa: E402
from bot.settings import PROJECT_ROOT  # noqa: E402
from bot.studio.training.job import snapshot  # noqa: E402

TOPIC_FILE = Path("data") / "faq" / "how_many_sessions.yml"
ANCHOR = "  examples: |\n"
CHANGE = [
    "am I signing up for a marathon of appointments or a sprint",
    "is this a single visit thing or a long haul",
    "what's the commitment like, visit-wise",
]
CLASSIFIERS = ("SentenceLevelResponseSelector", "SentenceLevelDIETClassifier", "NeighbourVote")


def changed_content(folder: Path) -> Path:
    """The project's content with CHANGE added to the topic's examples."""
    content = snapshot(PROJECT_ROOT, folder / "content")
    path = content / TOPIC_FILE
    text = path.read_text(encoding="utf-8")
    added = "".join(f"    - {line}\n" for line in CHANGE)
    path.write_text(text.replace(ANCHOR, ANCHOR + added, 1), encoding="utf-8")
    return content


def cpu_kind() -> str:
    flags = set(Path("/proc/cpuinfo").read_text().split())
    return "AVX-512 + AMX" if "amx_tile" in flags else "AVX-512" if "avx512f" in flags else "AVX2"


def gates(model: Path, live: Path, folder: Path) -> Dict[str, float]:
    """The studio's NLU and safety gates on ``model``: overall figures and problems."""
    figures: Dict[str, float] = {}
    problems: List[str] = []
    for gate in ("nlu", "safety"):
        out = folder / f"{model.stem}-{gate}.json"
        # fmt: off
        subprocess.run(
            [sys.executable, "-m", "bot", "staff", "gates", gate, "--candidate", str(model),
             "--live", str(live), "--out", str(out), "--cache-dir", str(folder / "reports")],
            cwd=PROJECT_ROOT, env=rasa_env(), capture_output=True,
        )
        # fmt: on
        report = json.loads(out.read_text(encoding="utf-8"))
        problems += report["problems"]
        if gate == "nlu":
            for file in report["files"]:
                figures[file["name"]] = file["overall"]
        else:
            figures["project red flags caught"] = report["figures"]["red_flag_recall"]
            figures["project false alarms"] = report["figures"]["false_alarm_rate"]
            for key, value in (report.get("independent") or {}).items():
                figures[f"independent {key.replace('_', ' ')}"] = value
    figures["problems"] = float(len(problems))
    if problems:
        print(f"{model.name}: {problems}", flush=True)
    return figures


def train(command: List[str], folder: Path, label: str) -> Dict[str, float]:
    done, total = timed_training(command, folder / f"cache-{label}", rasa_env())
    if done.returncode != 0:
        raise SystemExit(f"{label} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    seconds = component_seconds(done.stdout + "\n" + done.stderr)
    return {"in all": total, **{k: seconds.get(k, 0.0) for k in CLASSIFIERS}}


def report(rows: Dict[str, Dict[str, float]], base: Path, command: str) -> str:
    m = machine()
    keys = [k for k in next(iter(rows.values())) if k != "problems"]
    full = rows["full"]
    lines = [
        "# Quick training (fine-tuned from the live full model) beside a full training",
        "",
        f"Machine: {m['host']}, {m['cpus']} CPUs ({cpu_kind()}), {m['memory_gib']} GiB. "
        f"Command: `{command}`. Content: the project's with three new phrasings for "
        f"faq/how_many_sessions; quick trainings start from `{base.name}`; each training with "
        "an empty Rasa cache; seconds from Rasa's log; gates as the studio runs them.",
        "",
        "| | " + " | ".join(rows) + " |",
        "|---|" + "---|" * len(rows),
    ]
    for key in keys:
        cells = []
        for name, row in rows.items():
            value = row.get(key, 0.0)
            if key == "in all" or key in CLASSIFIERS:
                ratio = f" ({value / full[key]:.2f}x)" if name != "full" and full[key] else ""
                cells.append(f"{value:.0f} s{ratio}")
            else:
                cells.append(f"{value:.1%}")
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    lines.append(
        "| gate problems | " + " | ".join(f"{r['problems']:.0f}" for r in rows.values()) + " |"
    )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fractions", type=float, nargs="+", default=[0.25])
    args = parser.parse_args()
    base = ensure_model()
    rows: Dict[str, Dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="quick-training-") as tmp:
        folder = Path(tmp)
        content = changed_content(folder)
        plans = {"full": train_command(content, folder, "full")}
        for fraction in args.fractions:
            label = f"quick {fraction:g}"
            tag = f"quick{round(fraction * 100)}"
            plans[label] = quick_train_command(content, folder, tag, base, fraction)
        for label, command in plans.items():
            rows[label] = train(command, folder, label.replace(" ", ""))
            name = command[command.index("--fixed-model-name") + 1]
            rows[label].update(gates(folder / f"{name}.tar.gz", base, folder))
            print(f"{label}: {rows[label]}", flush=True)
    command = "python bench/quick_training.py " + " ".join(sys.argv[1:])
    write_result("quick-training", report(rows, base, command.strip()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
