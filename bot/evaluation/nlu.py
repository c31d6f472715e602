"""NLU regression check on the held-out test file (never used for training).

Parses every test message with the trained model, exactly as the server would, and
reports accuracy per label, where an FAQ question's label is its topic
(``faq/how_many_sessions``). Fails when accuracy drops below the recorded thresholds,
so CI gates on NLU quality.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Sequence, Tuple

import yaml

from bot import intents
from bot.settings import PROJECT_ROOT

TEST_FILE = PROJECT_ROOT / "tests" / "nlu" / "test_nlu.yml"
THRESHOLDS_FILE = PROJECT_ROOT / "tests" / "nlu" / "thresholds.yml"
RESULTS_DIR = PROJECT_ROOT / "results"
# Labels for which a "did you mean / please rephrase" fallback is the right handling.
FALLBACK_OK = frozenset({intents.OUT_OF_SCOPE})
# Intents that decline a message the assistant does not answer: each is a right answer
# for an ``out_of_scope`` message (another treatment, another language).
DECLINING_INTENTS = frozenset(
    {intents.OUT_OF_SCOPE, intents.ASK_OTHER_TREATMENT, intents.OTHER_LANGUAGE}
)


@dataclass(frozen=True)
class Example:
    text: str
    label: str


@dataclass
class Report:
    per_label: Dict[str, Tuple[int, int]]  # label -> (correct, total)
    errors: List[Tuple[str, str, str]] = field(default_factory=list)  # text, gold, predicted

    @property
    def correct(self) -> int:
        return sum(c for c, _ in self.per_label.values())

    @property
    def total(self) -> int:
        return sum(t for _, t in self.per_label.values())

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def label_accuracy(self, label: str) -> float:
        correct, total = self.per_label.get(label, (0, 0))
        return correct / total if total else 0.0

    def as_dict(self) -> Dict[str, Any]:
        return {
            "accuracy": round(self.accuracy, 4),
            "correct": self.correct,
            "total": self.total,
            "per_label": {
                label: {"accuracy": round(self.label_accuracy(label), 4), "correct": c, "total": t}
                for label, (c, t) in sorted(self.per_label.items())
            },
            "errors": [{"text": t, "gold": g, "predicted": p} for t, g, p in self.errors],
        }


def load_examples(path: Path = TEST_FILE) -> List[Example]:
    """Examples from a Rasa YAML NLU file (``- intent: faq/topic`` blocks)."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    examples: List[Example] = []
    for block in raw.get("nlu") or []:
        label = block.get("intent")
        if not label:
            continue
        for line in str(block.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                examples.append(Example(text=line[2:].strip(), label=str(label)))
    return examples


def predicted_label(parse: Mapping[str, Any]) -> str:
    """The label a parse result stands for: the intent, or ``faq/<topic>`` for FAQ."""
    intent = (parse.get("intent") or {}).get("name") or ""
    if intent == intents.FAQ:
        selectors = parse.get("response_selector") or {}
        # "default" is where a ResponseSelector without retrieval_intent reports (rasa init).
        selector = selectors.get(intents.FAQ) or selectors.get("default") or {}
        key = (selector.get("response") or {}).get("intent_response_key") or ""
        return key or intents.FAQ
    if intent == intents.ASK_TOPIC:
        # A follow-up read from its words ("is it expensive?"): answered like the topic button.
        topics = [
            e.get("value")
            for e in parse.get("entities") or []
            if e.get("entity") == intents.TOPIC_ENTITY
        ]
        return f"{intents.FAQ}/{topics[-1]}" if topics else intent
    return intent


def prediction_numbers(parse: Mapping[str, Any]) -> Dict[str, Any]:
    """Every number a parse gives that an answer depends on: the intent, its ranking, each
    response selector's ranking and the entities (to compare two ways of loading a model)."""
    selectors = {
        name: [(r.get("intent_response_key"), r.get("confidence")) for r in s.get("ranking", [])]
        for name, s in (parse.get("response_selector") or {}).items()
        if name != "all_retrieval_intents"
    }
    return {
        "intent": parse["intent"],
        "ranking": [(r["name"], r["confidence"]) for r in parse.get("intent_ranking", [])],
        "selectors": selectors,
        "entities": [(e["entity"], e.get("value")) for e in parse.get("entities", [])],
    }


def is_correct(gold: str, predicted: str) -> bool:
    if predicted == gold:
        return True
    return gold in FALLBACK_OK and (
        predicted == intents.NLU_FALLBACK or predicted in DECLINING_INTENTS
    )


def score(examples: Sequence[Example], predictions: Sequence[str]) -> Report:
    counts: Dict[str, List[int]] = defaultdict(lambda: [0, 0])
    errors = []
    for example, predicted in zip(examples, predictions, strict=True):
        counts[example.label][1] += 1
        if is_correct(example.label, predicted):
            counts[example.label][0] += 1
        else:
            errors.append((example.text, example.label, predicted))
    return Report({k: (v[0], v[1]) for k, v in counts.items()}, errors)


async def _parse_all(model: Path, texts: Iterable[str]) -> List[Dict[str, Any]]:
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    from bot import rasa_speedups

    rasa_speedups.install()  # the model is loaded as the Rasa server loads it
    configure_structlog(logging.WARNING)  # Rasa logs every parsed text at debug level
    logging.getLogger("rasa").setLevel(logging.WARNING)
    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


def parse_texts(model: Path, texts: Sequence[str]) -> List[Dict[str, Any]]:
    """Parse messages with the trained model's NLU, as the server does."""
    return asyncio.run(_parse_all(model, texts))


def evaluate(model: Path, test_file: Path = TEST_FILE) -> Report:
    examples = load_examples(test_file)
    parses = parse_texts(model, [e.text for e in examples])
    return score(examples, [predicted_label(p) for p in parses])


def load_thresholds(path: Path = THRESHOLDS_FILE) -> Dict[str, float]:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return {str(k): float(v) for k, v in raw.items()}


def failures(report: Report, thresholds: Mapping[str, float]) -> List[str]:
    """Threshold breaches in plain words: overall accuracy and each label's minimum."""
    found = []
    overall = thresholds.get("overall_accuracy")
    if overall is not None and report.accuracy < overall:
        found.append(f"overall accuracy {report.accuracy:.1%} < {overall:.1%}")
    per_label_min = thresholds.get("min_label_accuracy")
    if per_label_min is not None:
        for label in sorted(report.per_label):
            if report.label_accuracy(label) < per_label_min:
                found.append(f"{label}: {report.label_accuracy(label):.1%} < {per_label_min:.1%}")
    return found


def format_report(report: Report) -> str:
    lines = [f"{'label':<28} {'accuracy':>8}  n"]
    for label, (correct, total) in sorted(report.per_label.items()):
        lines.append(f"{label:<28} {correct / total:>8.1%}  {total}")
    lines.append(f"{'OVERALL':<28} {report.accuracy:>8.1%}  {report.total}")
    if report.errors:
        lines.append("\nMisclassified (gold -> predicted):")
        lines += [f"  [{g} -> {p}] {t}" for t, g, p in report.errors]
    return "\n".join(lines)


def write_report(report: Report, name: str = "nlu_eval.json") -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    target = RESULTS_DIR / name
    target.write_text(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    return target
