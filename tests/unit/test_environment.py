"""The environment defaults live in bot/environment.py and reach every process we start."""

from __future__ import annotations

import os
import subprocess
import sys

from bot.environment import (
    DEFAULTS,
    NUMERICS_VARIABLES,
    apply_defaults,
    numerics_signature,
    rasa_env,
)
from bot.model_store import training_fingerprint
from bot.settings import PROJECT_ROOT


def test_defaults_fill_gaps_but_never_override_the_user():
    env = apply_defaults({"TF_CPP_MIN_LOG_LEVEL": "0"})
    assert env["TF_CPP_MIN_LOG_LEVEL"] == "0"
    assert env["RASA_TELEMETRY_ENABLED"] == "false" and env["PYTHONHASHSEED"] == "0"


def test_importing_bot_applies_them_to_this_process():
    for name in DEFAULTS:
        assert name in os.environ


def test_rasa_subprocesses_get_the_defaults_and_our_code(monkeypatch):
    monkeypatch.delenv("RASA_TELEMETRY_ENABLED", raising=False)
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    env = rasa_env()
    assert env["RASA_TELEMETRY_ENABLED"] == "false"
    assert env["PYTHONPATH"].split(os.pathsep) == [str(PROJECT_ROOT), "/elsewhere"]


def test_python_m_bot_rasa_passes_options_through_to_rasa():
    clean = {k: v for k, v in os.environ.items() if k not in DEFAULTS}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "rasa", "--version"],
        cwd=PROJECT_ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Rasa Version" in result.stdout


def test_every_rasa_process_trains_with_the_same_numbers_on_any_cpu(monkeypatch):
    """The instruction set and thread count are fixed (a model differed between CPUs)."""
    for name in NUMERICS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    env = rasa_env()
    assert env["ONEDNN_MAX_CPU_ISA"] == "AVX2"
    assert env["TF_INTRA_OP_PARALLELISM_THREADS"] == env["TF_INTER_OP_PARALLELISM_THREADS"] == "2"
    assert numerics_signature() == (
        "ONEDNN_MAX_CPU_ISA=AVX2;TF_INTRA_OP_PARALLELISM_THREADS=2;"
        "TF_INTER_OP_PARALLELISM_THREADS=2"
    )


def test_a_model_trained_with_other_numeric_settings_is_another_model(monkeypatch):
    ours = training_fingerprint()
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX512_CORE")
    assert training_fingerprint() != ours
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")
    assert training_fingerprint() == ours


def test_rasa_applies_the_thread_counts_to_tensorflow():
    """Rasa reads TF_*_PARALLELISM_THREADS when it sets TensorFlow up (as in `rasa train`)."""
    code = (
        "from rasa.utils.tensorflow.environment import setup_tf_environment\n"
        "setup_tf_environment()\n"
        "import tensorflow as tf\n"
        "print(tf.config.threading.get_intra_op_parallelism_threads(),"
        " tf.config.threading.get_inter_op_parallelism_threads())\n"
    )
    clean = {k: v for k, v in os.environ.items() if k not in DEFAULTS}
    clean.update({"TF_INTRA_OP_PARALLELISM_THREADS": "3", "TF_INTER_OP_PARALLELISM_THREADS": "1"})
    result = subprocess.run(
        [sys.executable, "-c", code], env=clean, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[-2:] == ["3", "1"]
