"""jax (TensorFlow's) stays out of our processes and QuickUMLS (medSpaCy's) loads only when
used (bot/unused_imports.py): about 80 MiB less in each server."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import List

import pytest

from bot import unused_imports
from bot.environment import DEFAULTS, rasa_command
from bot.settings import PROJECT_ROOT


def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in DEFAULTS and k != "PIT_IMPORT_UNUSED"}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env={**clean, "PYTHONPATH": str(PROJECT_ROOT), **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def _printed(code: str, **env: str) -> List[str]:
    """What ``code`` printed, split into words; the run must succeed."""
    done = _python(code, **env)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split()


TENSORFLOW_WORKS = (
    "import sys, tensorflow as tf;"
    "assert float(tf.reduce_sum(tf.constant([1.0, 2.0]))) == 3.0;"
    "print(sys.modules.get('jax') is None, 'jax' in sys.modules)"
)


def test_tensorflow_loads_and_computes_without_jax_after_bot():
    # marked absent, never imported
    assert _printed("import bot;" + TENSORFLOW_WORKS) == ["True", "True"]


def test_the_rasa_entry_point_keeps_it_out_before_rasa_starts():
    assert _printed("import bot.rasa_main;" + TENSORFLOW_WORKS) == ["True", "True"]
    assert rasa_command("run")[1:3] == ["-m", "bot.rasa_main"]


def test_the_rasa_entry_point_is_rasas_command_line():
    done = subprocess.run(
        rasa_command("--version"), cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Rasa Version" in done.stdout


def test_the_switch_lets_jax_load_for_comparisons():
    printed = _printed("import bot;" + TENSORFLOW_WORKS, PIT_IMPORT_UNUSED="1")
    assert printed == ["False", "True"]  # really imported


def test_a_module_already_imported_is_left_alone(monkeypatch):
    monkeypatch.delenv(unused_imports.ALLOW_ENV, raising=False)
    monkeypatch.setitem(sys.modules, "pit_test_loaded", object())
    monkeypatch.delitem(sys.modules, "pit_test_absent", raising=False)
    try:
        kept = unused_imports.keep_out(("pit_test_loaded", "pit_test_absent"))
        assert kept == ("pit_test_absent",)
        assert sys.modules["pit_test_loaded"] is not None
        with pytest.raises(ImportError):
            import pit_test_absent  # type: ignore[import-not-found]  # noqa: F401
    finally:
        sys.modules.pop("pit_test_absent", None)


MEDSPACY_CONTEXT_WORKS = (
    "import sys; from bot.safety.context_rules import ContextJudge;"
    "from medspacy.context import ConText;"
    "print(sys.modules.get('nltk') is None, type(sys.modules['quickumls']).__name__)"
)


def test_medspacy_context_works_without_loading_quickumls():
    assert _printed("import bot;" + MEDSPACY_CONTEXT_WORKS) == ["True", "DeferredModule"]


def test_quickumls_loads_for_real_the_first_time_it_is_used():
    code = (
        "import sys, bot, medspacy.util as u;"
        "cls = u.spacy_component.SpacyQuickUMLS;"  # what medspacy.load uses for QuickUMLS
        "import quickumls, quickumls.spacy_component as real;"
        "print(cls is real.SpacyQuickUMLS, type(quickumls).__name__, 'nltk' in sys.modules)"
    )
    assert _printed(code) == ["True", "module", "True"]


def test_a_deferred_package_is_not_loaded_by_looking_at_it(monkeypatch, tmp_path):
    """Tools that scan sys.modules read __file__ and __spec__: that must not import it."""
    package = tmp_path / "pit_deferred_demo"
    package.mkdir()
    (package / "__init__.py").write_text("LOADED = True\n")
    (package / "part.py").write_text("def answer():\n    return 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv(unused_imports.ALLOW_ENV, raising=False)
    names = ("pit_deferred_demo", "pit_deferred_demo.part")
    try:
        assert unused_imports.defer({"pit_deferred_demo": ("part",)}) == names
        from pit_deferred_demo import part  # type: ignore[import-not-found]

        stand_in = sys.modules["pit_deferred_demo"]
        assert stand_in.__file__ == str(package / "__init__.py")
        assert part.__spec__.origin == str(package / "part.py")
        assert not hasattr(stand_in, "__wrapped__")
        assert all(isinstance(sys.modules[n], unused_imports.DeferredModule) for n in names)
        assert part.answer() == 42  # first use: the real modules
        assert not any(isinstance(sys.modules[n], unused_imports.DeferredModule) for n in names)
        assert stand_in.LOADED is True
    finally:
        for name in names:
            sys.modules.pop(name, None)
