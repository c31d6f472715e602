"""Timed trainings for the benchmarks that train (bench/training_numerics.py,
bench/training_time.py, bench/run_bench.py): any `rasa train` command with an empty Rasa
cache of its own, the `rasa train nlu` command, and a config with every classifier's
epochs set."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path
from typing import Dict, List, Tuple

from bot.environment import rasa_command
from bot.settings import PROJECT_ROOT


def config_with_epochs(source: Path, epochs: int, path: Path) -> Path:
    """A copy of the Rasa config ``source`` at ``path`` with every ``epochs:`` set."""
    text = re.sub(r"epochs: \d+", f"epochs: {epochs}", source.read_text(encoding="utf-8"))
    path.write_text(text, encoding="utf-8")
    return path


def timed_training(
    command: List[str], cache: Path, env: Dict[str, str]
) -> Tuple[subprocess.CompletedProcess, float]:
    """Run a training ``command`` in the project with its own Rasa cache ``cache`` (empty
    when new, so every component really trains): the finished process (text output) and
    the seconds it took, whether or not it succeeded."""
    started = time.monotonic()
    done = subprocess.run(
        command,
        cwd=PROJECT_ROOT,
        env={**env, "RASA_CACHE_DIRECTORY": str(cache)},
        capture_output=True,
        text=True,
    )
    return done, time.monotonic() - started


def train_nlu(
    config: Path, out: Path, cache: Path, env: Dict[str, str]
) -> Tuple[subprocess.CompletedProcess, float]:
    """Train an NLU model on data/ with ``config`` into ``out``/model.tar.gz, with its own
    Rasa cache (so the time is real training); the finished process (text output) and the
    seconds it took. A failed training stops the benchmark with Rasa's last output."""
    # fmt: off
    command = rasa_command(
        "train", "nlu", "--config", str(config), "--nlu", "data", "--domain", "domain.yml",
        "--out", str(out), "--fixed-model-name", "model",
    )
    # fmt: on
    done, seconds = timed_training(command, cache, env)
    if done.returncode != 0:
        raise SystemExit(
            f"training with {config} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    return done, seconds
