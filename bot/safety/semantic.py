"""The second net: a message that *means* an emergency, whatever its words.

The catalog patterns (red_flags.yml) recognise words; this compares the whole message with
example emergencies per clinical category (data/catalog/red_flag_exemplars.yml) using the
sentence encoder (all-MiniLM-L6-v2, bot/encoder). It only runs when the patterns found
nothing and dismissed nothing, so "no fever" or "a stroke in 2015" are not re-read here.

Verdicts: ``urgent`` at or above ``threshold``; ``unsure`` from ``unsure_from`` (the reply
then starts "If this is happening now, call ..."); a message closer to a ``calm`` example
than to every emergency is never flagged. Thresholds are chosen on the development set
(bench/semantic_threshold.py), never on a test set.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import yaml

from bot.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

EXEMPLARS_PATH = PROJECT_ROOT / "data" / "catalog" / "red_flag_exemplars.yml"
# Never reassurance first for these, even when unsure (issue 9).
ALWAYS_URGENT = frozenset({"anaphylaxis", "breathing", "self_harm"})
URGENT, UNSURE = "urgent", "unsure"


@dataclass(frozen=True)
class Exemplars:
    threshold: float
    unsure_from: float
    categories: Dict[str, Tuple[str, ...]]
    calm: Tuple[str, ...]
    # the learned head (head.py) flags a message from this probability of an emergency
    learned_threshold: float = 0.95


@dataclass(frozen=True)
class SemanticVerdict:
    category: str
    score: float
    verdict: str  # URGENT or UNSURE


def load_exemplars(path: Path = EXEMPLARS_PATH) -> Exemplars:
    """Read and check the exemplar file (a clear error for a wrong entry)."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    categories = {
        str(k): tuple(str(t) for t in v or []) for k, v in (raw.get("categories") or {}).items()
    }
    if not categories or any(not v for v in categories.values()):
        raise ValueError(f"{path}: every category needs at least one example")
    threshold, unsure = float(raw["threshold"]), float(raw["unsure_from"])
    if not 0 < unsure <= threshold < 1:
        raise ValueError(f"{path}: need 0 < unsure_from <= threshold < 1")
    learned = float(raw.get("learned_threshold", Exemplars.learned_threshold))
    if not 0.5 <= learned < 1:
        raise ValueError(f"{path}: need 0.5 <= learned_threshold < 1")
    calm = tuple(str(t) for t in raw.get("calm") or [])
    return Exemplars(threshold, unsure, categories, calm, learned)


class SemanticNet:
    """Nearest exemplar by cosine similarity of sentence vectors, and the learned head
    (head.py) on the same vector when one is built."""

    def __init__(self, encoder: Any, exemplars: Exemplars, head: Optional[Any] = None) -> None:
        self.encoder = encoder
        self.exemplars = exemplars
        self.head = head
        self._labels: List[str] = []
        texts: List[str] = []
        for category, examples in exemplars.categories.items():
            self._labels += [category] * len(examples)
            texts += list(examples)
        self._vectors = encoder.encode_many(texts)
        self._calm = (
            encoder.encode_many(list(exemplars.calm)) if exemplars.calm else np.zeros((0, 1))
        )

    def scores(self, text: str) -> Tuple[str, float, float]:
        """(closest category, its similarity, similarity to the closest calm example)."""
        vector = self.encoder.encode(text)
        sims = self._vectors @ vector
        best = int(np.argmax(sims))
        calm = float(np.max(self._calm @ vector)) if len(self._calm) else -1.0
        return self._labels[best], float(sims[best]), calm

    def judge(self, text: str) -> Optional[SemanticVerdict]:
        return self.read(text)[0]

    def read(self, text: str) -> Tuple[Optional[SemanticVerdict], bool]:
        """(verdict, whether the message is closer to a calm example than to every
        emergency). The head's urgent verdict wins over a missing or unsure nearest
        example: it has read thousands of reports, the nearest example only one."""
        category, score, calm = self.scores(text)
        verdict = verdict_for(category, score, calm, self.exemplars)
        if verdict is None or verdict.verdict != URGENT:
            learned = self.learned(text)
            if learned is not None:
                return learned, False
        return verdict, verdict is None and calm >= score

    def learned(self, text: str) -> Optional[SemanticVerdict]:
        """The head's verdict: urgent at or above ``learned_threshold``, else None."""
        if self.head is None:
            return None
        found = self.head.verdict(self.encoder.encode(text))
        if found.probability < self.exemplars.learned_threshold:
            return None
        return SemanticVerdict(found.category, found.probability, URGENT)

    def emergency_probability(self, text: str) -> Optional[float]:
        """The head's probability that ``text`` is an emergency; None without a head."""
        if self.head is None:
            return None
        return self.head.verdict(self.encoder.encode(text)).probability

    def judge_many(self, texts: Sequence[str]) -> List[Optional[SemanticVerdict]]:
        return [self.judge(t) for t in texts]


def verdict_for(
    category: str, score: float, calm: float, exemplars: Exemplars
) -> Optional[SemanticVerdict]:
    """The decision rule, kept apart from the encoder so it is tested on its own."""
    if score < exemplars.unsure_from or calm >= score:
        return None
    if score >= exemplars.threshold:
        return SemanticVerdict(category, score, URGENT)
    return SemanticVerdict(category, score, UNSURE)


_LOCK = threading.Lock()
# After a failed load, try again at most this often: a passing fault at start-up (a file
# being rebuilt, memory short for a moment) must not switch the net off for the process's
# whole life, as caching the failure once did.
RETRY_SECONDS = 30.0
_net: Optional["SemanticNet"] = None
_failed_at: Optional[float] = None


def _load_net() -> Optional[SemanticNet]:
    global _net, _failed_at
    if _net is not None:
        return _net
    if _failed_at is not None and time.monotonic() - _failed_at < RETRY_SECONDS:
        return None
    try:
        from bot.encoder.model import load_encoder

        _net = SemanticNet(load_encoder(), load_exemplars(), _load_head())
        _failed_at = None
    except Exception as exc:  # noqa: BLE001 - the rules still run; say loudly the net is off
        _failed_at = time.monotonic()
        logger.error(
            "Semantic red-flag check is OFF (%s: %s). Run `make encoder`. Retrying in %.0f s.",
            type(exc).__name__,
            exc,
            RETRY_SECONDS,
        )
    return _net


def _load_head() -> Optional[Any]:
    """The learned head, or None (said loudly): the nearest-example net still runs."""
    from bot.safety.head import load_head

    try:
        return load_head()
    except Exception as exc:  # noqa: BLE001
        logger.error(
            "Learned red-flag head is OFF (%s: %s). Run `make encoder`.", type(exc).__name__, exc
        )
        return None


def semantic_net() -> Optional[SemanticNet]:
    """The process-wide semantic net, or None when the encoder cannot be loaded (yet)."""
    with _LOCK:
        return _load_net()


def verdicts_by_category(verdicts: Mapping[str, SemanticVerdict]) -> Dict[str, str]:
    return {k: v.verdict for k, v in verdicts.items()}
