"""Compare our NLU pipeline with Rasa's default `rasa init` pipeline on the same data.

Trains an NLU-only model with each config on data/, scores both on the held-out
test file (tests/nlu/test_nlu.yml), prints accuracy per label side by side and the
training time, and records the result in bench/results/compare-configs-<date>.{json,md}.
A benchmark, not a test: run it with `make compare-configs`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.environment import rasa_command, rasa_env
from bot.evaluation import nlu as evaluation
from bot.nlp.pipeline import build_and_save

CONFIGS = {
    "ours (config.yml)": ROOT / "config.yml",
    "rasa init default": ROOT / "bench" / "configs" / "rasa_init_default.yml",
}


def train_nlu(config: Path, out: Path) -> float:
    # A fresh training cache per config: Rasa would otherwise reuse components trained
    # earlier and the timing would measure the cache, not training.
    env = dict(rasa_env(), RASA_CACHE_DIRECTORY=str(out / "cache"))
    # fmt: off
    command = rasa_command(
        "train", "nlu",
        "--config", str(config),
        "--nlu", "data",
        "--domain", "domain.yml",
        "--out", str(out),
        "--fixed-model-name", "nlu",
    )
    # fmt: on
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    build_and_save()
    results: Dict[str, Dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, config in CONFIGS.items():
            print(f"Training NLU with {name} ...", flush=True)
            seconds = train_nlu(config, Path(tmp) / name.split()[0])
            report = evaluation.evaluate(Path(tmp) / name.split()[0] / "nlu.tar.gz")
            results[name] = {"training_s": round(seconds, 1), **report.as_dict()}
            results[name].pop("errors")
    labels = sorted(next(iter(results.values()))["per_label"])
    names = list(results)
    lines = [
        f"# NLU pipeline comparison {datetime.now(timezone.utc):%Y-%m-%d}",
        "",
        "Held-out file: tests/nlu/test_nlu.yml (never used for training). Same data, same seeds.",
        "",
        "| label | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for label in labels:
        cells = [f"{results[n]['per_label'][label]['accuracy']:.0%}" for n in names]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append(
        "| **overall** | " + " | ".join(f"**{results[n]['accuracy']:.1%}**" for n in names) + " |"
    )
    lines.append(
        "| training s | " + " | ".join(str(results[n]["training_s"]) for n in names) + " |"
    )
    text = "\n".join(lines) + "\n"
    print(text)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stem = f"compare-configs-{datetime.now(timezone.utc):%Y-%m-%d}"
    (out / f"{stem}.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / f"{stem}.md").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
