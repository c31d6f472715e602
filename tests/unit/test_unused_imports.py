"""jax, which TensorFlow imports but we never use, stays out of our processes
(bot/unused_imports.py): about 70 MiB less in each server."""

from __future__ import annotations

import os
import subprocess
import sys

from bot import unused_imports
from bot.environment import DEFAULTS, rasa_command
from bot.settings import PROJECT_ROOT


def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in DEFAULTS and k != "PIT_IMPORT_JAX"}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env={**clean, "PYTHONPATH": str(PROJECT_ROOT), **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


TENSORFLOW_WORKS = (
    "import sys, tensorflow as tf;"
    "assert float(tf.reduce_sum(tf.constant([1.0, 2.0]))) == 3.0;"
    "print(sys.modules.get('jax') is None, 'jax' in sys.modules)"
)


def test_tensorflow_loads_and_computes_without_jax_after_bot():
    done = _python("import bot;" + TENSORFLOW_WORKS)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["True", "True"]  # marked absent, never imported


def test_the_rasa_entry_point_keeps_it_out_before_rasa_starts():
    done = _python("import bot.rasa_main;" + TENSORFLOW_WORKS)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["True", "True"]
    assert rasa_command("run")[1:3] == ["-m", "bot.rasa_main"]


def test_the_rasa_entry_point_is_rasas_command_line():
    done = subprocess.run(
        rasa_command("--version"), cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Rasa Version" in done.stdout


def test_the_switch_lets_jax_load_for_comparisons():
    done = _python("import bot;" + TENSORFLOW_WORKS, PIT_IMPORT_JAX="1")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["False", "True"]  # really imported


def test_a_module_already_imported_is_left_alone(monkeypatch):
    monkeypatch.delenv(unused_imports.ALLOW_ENV, raising=False)
    monkeypatch.setitem(sys.modules, "pit_test_loaded", object())
    monkeypatch.delitem(sys.modules, "pit_test_absent", raising=False)
    try:
        kept = unused_imports.keep_out(("pit_test_loaded", "pit_test_absent"))
        assert kept == ("pit_test_absent",)
        assert sys.modules["pit_test_loaded"] is not None
        try:
            import pit_test_absent  # type: ignore[import-not-found]  # noqa: F401
        except ImportError:
            pass
        else:
            raise AssertionError("a kept-out module imported")
    finally:
        sys.modules.pop("pit_test_absent", None)
