"""Packages our processes never use, kept out of their memory.

TensorFlow 2.12 depends on jax and imports it while TensorFlow itself is imported
(``tensorflow/lite/python/util.py``, to convert jax functions to TensorFlow Lite, inside
``try: ... except ImportError``). Nothing here converts models to TensorFlow Lite, yet the
import cost every process that loads TensorFlow about 70 MiB of resident memory: the Rasa
server, the action server, training and the evaluations
(``bench/results/server-memory-pit-import-jax-2026-12-05.md``). Marking jax absent in ``sys.modules``
makes that import raise ImportError, which TensorFlow handles; ``importlib.util.find_spec``
then reports it missing too, so libraries that merely probe for it skip it.

Importing :mod:`bot` applies this, and ``python -m bot.rasa_main`` (how we start Rasa) does
so before Rasa imports TensorFlow. ``PIT_IMPORT_JAX=1`` turns it off, for comparisons.
"""

from __future__ import annotations

import os
import sys
from typing import Iterable, Tuple

KEPT_OUT: Tuple[str, ...] = ("jax",)
ALLOW_ENV = "PIT_IMPORT_JAX"


def keep_out(modules: Iterable[str] = KEPT_OUT) -> Tuple[str, ...]:
    """Make ``import NAME`` fail for each module not imported yet; returns those kept out.

    A module already imported is left alone: removing it could break whoever holds it.
    """
    if os.environ.get(ALLOW_ENV) == "1":
        return ()
    kept: Tuple[str, ...] = ()
    for name in modules:
        if name not in sys.modules:
            sys.modules[name] = None  # type: ignore[assignment]  # import system's "absent"
            kept += (name,)
    return kept
