"""Packages our processes never use, kept out of their memory.

- **jax.** TensorFlow 2.12 depends on jax and imports it while TensorFlow itself is imported
  (``tensorflow/lite/python/util.py``, to convert jax functions to TensorFlow Lite, inside
  ``try: ... except ImportError``). Nothing here converts models to TensorFlow Lite. Marking
  jax absent in ``sys.modules`` makes that import raise ImportError, which TensorFlow
  handles; ``importlib.util.find_spec`` then reports it missing too, so libraries that
  merely probe for it skip it.
- **QuickUMLS** (with NLTK). medSpaCy imports it at the top of ``medspacy.util``
  (``from quickumls import spacy_component``) for its UMLS concept matcher; we use only
  medSpaCy's ConText (bot/safety/context_rules.py). Here ``quickumls`` and
  ``quickumls.spacy_component`` are stand-ins that import the real modules the first time
  anything of theirs is used, so a pipeline that does use QuickUMLS still works.

Together they cost every process that loads TensorFlow and the red-flag checker about 80
MiB of resident memory: the Rasa server, the action server, training and the evaluations
(``bench/server_memory.py``; figures in ``bench/results/server-memory-*``).

Importing :mod:`bot` applies this, and ``python -m bot.rasa_main`` (how we start Rasa) does
so before Rasa imports TensorFlow. ``PIT_IMPORT_UNUSED=1`` turns it off, for comparisons.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import types
from pathlib import Path
from typing import Any, Dict, Iterable, Optional, Tuple

KEPT_OUT: Tuple[str, ...] = ("jax",)
# package -> its submodules that are imported by name ("from package import submodule")
DEFERRED: Dict[str, Tuple[str, ...]] = {"quickumls": ("spacy_component",)}
ALLOW_ENV = "PIT_IMPORT_UNUSED"


def _allowed() -> bool:
    return os.environ.get(ALLOW_ENV) == "1"


def keep_out(modules: Iterable[str] = KEPT_OUT) -> Tuple[str, ...]:
    """Make ``import NAME`` fail for each module not imported yet; returns those kept out.

    A module already imported is left alone: removing it could break whoever holds it.
    """
    if _allowed():
        return ()
    kept: Tuple[str, ...] = ()
    for name in modules:
        if name not in sys.modules:
            sys.modules[name] = None  # type: ignore[assignment]  # import system's "absent"
            kept += (name,)
    return kept


class DeferredModule(types.ModuleType):
    """Stands in for a module in ``sys.modules`` until one of its own names is used.

    Then the stand-ins of the whole package leave ``sys.modules``, the real module is
    imported, and the name is read from it; later reads go straight to the real module.
    Dunder names are never forwarded: tools that scan ``sys.modules`` for ``__file__`` or
    ``__spec__`` (TensorFlow's autograph does) must not import the package by looking.
    """

    def __init__(self, name: str, package: str, spec: Optional[Any]) -> None:
        super().__init__(name)
        self.__spec__ = spec
        self.__file__ = getattr(spec, "origin", None)
        self._package = package

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        return getattr(_real(self.__name__, self._package), attr)


def _real(name: str, package: str) -> types.ModuleType:
    module = sys.modules.get(name)
    if isinstance(module, DeferredModule) or module is None:
        for loaded in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
            if isinstance(sys.modules[loaded], DeferredModule):
                del sys.modules[loaded]
        module = importlib.import_module(name)
    return module


def defer(packages: Optional[Dict[str, Tuple[str, ...]]] = None) -> Tuple[str, ...]:
    """Put stand-ins for each package (and the submodules named) not imported yet; returns
    the module names that got one. A package that is not installed is left alone."""
    if _allowed():
        return ()
    done: Tuple[str, ...] = ()
    for package, submodules in (DEFERRED if packages is None else packages).items():
        if package in sys.modules:
            continue
        spec = importlib.util.find_spec(package)  # finds the files, runs nothing
        if spec is None or not spec.submodule_search_locations:
            continue
        stand_in = DeferredModule(package, package, spec)
        stand_in.__path__ = list(spec.submodule_search_locations)
        sys.modules[package] = stand_in
        done += (package,)
        for sub in submodules:
            name = f"{package}.{sub}"
            origin = next(
                (
                    str(Path(folder) / f"{sub}.py")
                    for folder in spec.submodule_search_locations
                    if (Path(folder) / f"{sub}.py").is_file()
                ),
                None,
            )
            sub_spec = importlib.util.spec_from_file_location(name, origin) if origin else None
            child = DeferredModule(name, package, sub_spec)
            sys.modules[name] = child
            setattr(stand_in, sub, child)
            done += (name,)
    return done


def apply() -> None:
    """Both steps, for a process that has not imported TensorFlow or medSpaCy yet."""
    keep_out()
    defer()
