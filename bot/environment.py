"""Environment defaults for every process the project starts, written in this one place.

Importing :mod:`bot` applies them to the current process (only where unset, so a user
can still override them); :func:`rasa_env` hands them to the Rasa subprocesses, which
need ``PYTHONHASHSEED`` before their interpreter starts. The Makefile runs Rasa through
``python -m bot rasa`` so its targets get the same environment.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Dict, List, MutableMapping

from bot.settings import PROJECT_ROOT

# Where `make run` keeps its conversations and logs; PIT_RUN_DIR moves it (tests use a temp dir).
# Here, not in bot/runner.py, so staff commands (bot/privacy) find the conversations without
# importing the runner.
RUN_DIR_ENV = "PIT_RUN_DIR"
RUN_DIR = PROJECT_ROOT / "var" / "run"


def run_dir() -> Path:
    """The folder `make run` uses: ``$PIT_RUN_DIR``, else ``var/run``."""
    return Path(os.environ.get(RUN_DIR_ENV) or RUN_DIR)


DEFAULTS: Dict[str, str] = {
    "RASA_TELEMETRY_ENABLED": "false",  # no usage data leaves the machine
    "TF_CPP_MIN_LOG_LEVEL": "3",  # TensorFlow's start-up messages hide the ones that matter
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",  # Rasa 3.6 needs SQLAlchemy 1.4; we know
    "PYTHONHASHSEED": "0",  # same data, same model (read when an interpreter starts)
    # Fewer differences between CPUs. TensorFlow's matrix products run on oneDNN, which picks
    # its instruction set per CPU: on one machine oneDNN held to AVX trained other weights than
    # AVX2 (bench/training_numerics.py), so we hold it at AVX2, which every x86 server of the
    # last decade has. It is not enough: on an AVX-512 machine the same data and settings still
    # gave another model than on AVX2 machines (style set 87.5% against 87.1%, 2026-12-02;
    # OpenBLAS's kernel choice was ruled out), so a model must clear the NLU gates by a margin.
    "ONEDNN_MAX_CPU_ISA": "AVX2",
    # The split of the work across threads changes the order of sums too: fixed, so a
    # bigger machine trains the same model (2 = the cores of the machines we measure on).
    "TF_INTRA_OP_PARALLELISM_THREADS": "2",
    "TF_INTER_OP_PARALLELISM_THREADS": "2",
}
# The settings above that change a trained model's numbers: part of its fingerprint.
NUMERICS_VARIABLES = (
    "ONEDNN_MAX_CPU_ISA",
    "TF_INTRA_OP_PARALLELISM_THREADS",
    "TF_INTER_OP_PARALLELISM_THREADS",
)


def apply_defaults(env: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """Set every default that ``env`` does not set already; returns ``env``."""
    for name, value in DEFAULTS.items():
        env.setdefault(name, value)
    return env


def rasa_env() -> Dict[str, str]:
    """Environment for Rasa subprocesses: the defaults, and our code importable."""
    env = dict(apply_defaults(dict(os.environ)))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    return env


def numerics_signature() -> str:
    """The settings a model's numbers depend on, as Rasa subprocesses will see them."""
    env = rasa_env()
    return ";".join(f"{name}={env.get(name, '')}" for name in NUMERICS_VARIABLES)


# The module every Rasa server here starts as (``python -m bot.rasa_main``); the profiling
# benches recognise the Rasa server's command by it.
RASA_MAIN_MODULE = "bot.rasa_main"


def rasa_command(*args: str) -> List[str]:
    """Rasa's command line with this interpreter (the project's environment), started
    through ``bot.rasa_main`` so our defaults apply before Rasa imports TensorFlow."""
    return [sys.executable, "-m", RASA_MAIN_MODULE, *args]
