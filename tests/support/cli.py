"""Run `python -m bot ...` for a test: in this process (fast), or as a real subprocess.

Each `python -m bot` process spends about two seconds importing before it does anything,
and the staff command-line tests call it some sixty times. In this process, the same
entry point (`bot.__main__.main`) runs with the given environment, standard input and
exit code, and its output captured; a few tests still start the real process, so the
entry point itself stays covered.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from typing import Mapping, Sequence

import pytest

from bot.settings import PROJECT_ROOT


def run_bot(
    args: Sequence[str], env: Mapping[str, str], stdin: str = "", real_process: bool = False
) -> subprocess.CompletedProcess:
    """`python -m bot *args` with ``env`` as its whole environment and ``stdin`` as its input."""
    if real_process:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=PROJECT_ROOT,
            env=dict(env),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )
    return _run_in_this_process(list(args), env, stdin)


def _run_in_this_process(
    args: list, env: Mapping[str, str], stdin: str
) -> subprocess.CompletedProcess:
    from bot.__main__ import main
    from bot.bookings.db import dispose_engines

    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        for name in set(os.environ) - set(env):
            patch.delenv(name)
        for name, value in env.items():
            patch.setenv(name, value)
        patch.setattr(sys, "stdin", io.StringIO(stdin))
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(args)
            except SystemExit as stop:  # argparse's usage errors and --help
                code = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
            finally:
                dispose_engines()  # as a process exit would: no engine outlives the command
    return subprocess.CompletedProcess(
        ["python", "-m", "bot", *args], code, out.getvalue(), err.getvalue()
    )
