"""The environment defaults live in bot/environment.py and reach every process we start."""

from __future__ import annotations

import os
import subprocess
import sys

from bot.environment import DEFAULTS, apply_defaults, rasa_env
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
