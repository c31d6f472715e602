"""Shared pieces for the red-flag tests: the compiled detector and the test sets."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Sequence, Set, Tuple

import pytest
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource

from bot.safety.catalog import get_red_flag_catalog
from bot.safety.red_flag_classifier import RedFlagClassifier
from bot.safety.red_flags import RedFlagDetector, default_nlp, detector_for
from bot.settings import PROJECT_ROOT

SAFETY_SETS = PROJECT_ROOT / "tests" / "safety"


def clinical_hits(detector: RedFlagDetector, text: str) -> Set[str]:
    """The clinical categories of the red flags found in ``text``."""
    catalog = get_red_flag_catalog()
    return {catalog.category(h.key).clinical for h in detector.detect(text)}


def by_kind(cases: Mapping[str, Sequence[Any]]) -> List[Tuple[Any, ...]]:
    """Pytest parameters from ``{kind: [text, ...]}`` or ``{kind: [(text, category), ...]}``:
    ``(kind, text)`` or ``(kind, text, category)``, so a failure names its kind."""
    return [
        (kind, *(case if isinstance(case, tuple) else (case,)))
        for kind, items in cases.items()
        for case in items
    ]


def load_set(name: str) -> List:
    return yaml.safe_load((SAFETY_SETS / name).read_text(encoding="utf-8"))["messages"]


@pytest.fixture(scope="session")
def detector() -> RedFlagDetector:
    return detector_for(default_nlp())


@pytest.fixture(scope="session")
def red_flag_messages() -> List[Dict[str, str]]:
    return load_set("red_flags.yml")


@pytest.fixture(scope="session")
def ordinary_messages() -> List[str]:
    return [str(m) for m in load_set("not_red_flags.yml")]


@pytest.fixture(scope="module")
def component(tmp_path_factory) -> RedFlagClassifier:
    """RedFlagClassifier as Rasa builds it (``create``)."""
    storage = LocalModelStorage(tmp_path_factory.mktemp("model"))
    context = ExecutionContext(GraphSchema({}), "test-model")
    return RedFlagClassifier.create(
        RedFlagClassifier.get_default_config(), storage, Resource("red_flag_classifier"), context
    )
