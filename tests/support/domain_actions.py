"""The custom actions two ways: the classes in the actions package and the names domain.yml
lists, for tests that check one against the other."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any, Dict, List, Mapping

from rasa_sdk import Action

import actions


def custom_action_classes() -> Dict[str, type]:
    """Every concrete Action subclass in the actions package, by the name it runs as."""
    for module in pkgutil.walk_packages(actions.__path__, prefix="actions."):
        importlib.import_module(module.name)
    found: Dict[str, type] = {}
    pending = list(Action.__subclasses__())
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        if cls.__module__.startswith("actions.") and not inspect.isabstract(cls):
            found[cls().name()] = cls
    return found


def domain_action_names(domain: Mapping[str, Any]) -> List[str]:
    """The names under domain.yml's ``actions``: each is listed by name, or as a one-key
    mapping with its options (``send_domain``)."""
    return [entry if isinstance(entry, str) else next(iter(entry)) for entry in domain["actions"]]
