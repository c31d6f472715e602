"""Start the real assistant (action server + Rasa server [+ web page]) for tests.

Uses bot.stack, the same code `make run` uses, on free loopback ports with a
throw-away tracker database.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

from bot.model_store import ensure_model
from bot.stack import MACHINE_SPEED_LIMITS, Stack, free_port

# The shared stacks raise the rate limit (bot.stack.MACHINE_SPEED_LIMITS);
# tests/integration/test_channel_limits.py starts a stack with the shipped limits
# (limits=None) and tests them there.
FAST_TEST_LIMITS: Dict[str, Any] = MACHINE_SPEED_LIMITS


@contextlib.contextmanager
def running_stack(
    with_web: bool = False,
    model: Optional[Path] = None,
    limits: Optional[Dict[str, Any]] = FAST_TEST_LIMITS,
    extra_env: Optional[Dict[str, str]] = None,
) -> Iterator[Stack]:
    """Yield a started :class:`Stack`; logs are kept in its workdir for failures.
    ``extra_env`` goes to the stack's processes only, never to the tests' own environment."""
    # PIT_TEST_MODEL pins a model file (while data is being edited); default: train if needed.
    pinned = os.environ.get("PIT_TEST_MODEL")
    model = model or (Path(pinned) if pinned else ensure_model())
    with tempfile.TemporaryDirectory(prefix="pit-stack-") as workdir:
        stack = Stack(
            model=model,
            workdir=Path(workdir),
            rasa_port=free_port(),
            actions_port=free_port(),
            web_port=free_port() if with_web else None,
            log_to_files=True,
            limits=limits,
            extra_env=dict(extra_env or {}),
        )
        try:
            stack.start()
        except RuntimeError:
            for log in Path(workdir).glob("*.log"):
                print(f"--- {log.name} ---\n" + log.read_text(errors="replace")[-4000:])
            raise
        try:
            yield stack
        finally:
            for process in stack.processes:  # one that died on its own: say why, once
                if process.exited() is not None and process.log_path:
                    tail = process.log_path.read_text(errors="replace")[-4000:]
                    print(f"--- {process.name} stopped on its own ---\n{tail}")
            stack.stop()
