"""The independent style set (tests/nlu/independent/styles.yml): accuracy per label and style.

Why a second evaluation: the held-out file shares the training data's writing style,
so it overstates how well real patients are understood. This set was written by someone
who never saw ``data/``, one style tag per message (story, fragment, typo, ...).

Stricter than the held-out gate: the assistant's final NLU decision must be right, and a
"did you mean" (``nlu_fallback``) counts as wrong for every label. Fallbacks on
answerable messages are also counted on their own, since they cost the patient a click.
By default only aggregates are printed: the messages must never leak into training data.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Sequence, Tuple

import yaml

from bot import intents
from bot.evaluation.nlu import (
    DECLINING_INTENTS,
    parse_texts,
    predicted_label,
)
from bot.settings import PROJECT_ROOT

STYLES_FILE = PROJECT_ROOT / "tests" / "nlu" / "independent" / "styles.yml"
STYLES_THRESHOLDS_FILE = PROJECT_ROOT / "tests" / "nlu" / "independent" / "thresholds.yml"
OUT_OF_SCOPE = intents.OUT_OF_SCOPE


@dataclass(frozen=True)
class StyledExample:
    text: str
    label: str
    style: str


@dataclass
class StyleReport:
    per_label: Dict[str, Tuple[int, int]]
    per_style: Dict[str, Tuple[int, int]]
    fallbacks_on_answerable: Tuple[int, int]  # (did-you-mean count, answerable messages)
    failures_detail: List[Tuple[str, str, str, str]] = field(default_factory=list)

    @property
    def correct(self) -> int:
        return sum(c for c, _ in self.per_label.values())

    @property
    def total(self) -> int:
        return sum(t for _, t in self.per_label.values())

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def did_you_mean_rate(self) -> float:
        count, answerable = self.fallbacks_on_answerable
        return count / answerable if answerable else 0.0

    @staticmethod
    def rate(pair: Tuple[int, int]) -> float:
        return pair[0] / pair[1] if pair[1] else 0.0


def load_styled(path: Path = STYLES_FILE) -> List[StyledExample]:
    """Messages of a ``messages: [{label, style, text}]`` file; bad entries are an error."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    examples = []
    for number, item in enumerate(raw.get("messages") or [], start=1):
        try:
            examples.append(
                StyledExample(str(item["text"]), str(item["label"]), str(item["style"]))
            )
        except (KeyError, TypeError) as error:
            raise ValueError(f"{path}: message {number} needs label, style and text") from error
    return examples


def is_right(gold: str, predicted: str) -> bool:
    """The final decision is right: the label itself, or any polite decline for out of scope."""
    if predicted == gold:
        return True
    return gold == OUT_OF_SCOPE and predicted in DECLINING_INTENTS


def score_styled(examples: Sequence[StyledExample], predictions: Sequence[str]) -> StyleReport:
    labels: Dict[str, List[int]] = defaultdict(lambda: [0, 0])
    styles: Dict[str, List[int]] = defaultdict(lambda: [0, 0])
    fallbacks = answerable = 0
    failed = []
    for example, predicted in zip(examples, predictions, strict=True):
        right = is_right(example.label, predicted)
        for bucket in (labels[example.label], styles[example.style]):
            bucket[0] += int(right)
            bucket[1] += 1
        if example.label != OUT_OF_SCOPE:
            answerable += 1
            fallbacks += int(predicted == intents.NLU_FALLBACK)
        if not right:
            failed.append((example.style, example.label, predicted, example.text))
    return StyleReport(
        per_label={k: (v[0], v[1]) for k, v in labels.items()},
        per_style={k: (v[0], v[1]) for k, v in styles.items()},
        fallbacks_on_answerable=(fallbacks, answerable),
        failures_detail=failed,
    )


def evaluate_styles(model: Path, path: Path = STYLES_FILE) -> StyleReport:
    examples = load_styled(path)
    parses = parse_texts(model, [e.text for e in examples])
    return score_styled(examples, [predicted_label(p) for p in parses])


def format_styled(report: StyleReport, show_failures: bool = False) -> str:
    """Aggregates per label and per style; messages only when a person asks for them."""
    lines = [f"{'label':<28} {'accuracy':>8}  n"]
    for label, pair in sorted(report.per_label.items()):
        lines.append(f"{label:<28} {report.rate(pair):>8.1%}  {pair[1]}")
    lines.append(f"\n{'style':<28} {'accuracy':>8}  n")
    for style, pair in sorted(report.per_style.items()):
        lines.append(f"{style:<28} {report.rate(pair):>8.1%}  {pair[1]}")
    count, answerable = report.fallbacks_on_answerable
    lines.append(f"\n{'OVERALL':<28} {report.accuracy:>8.1%}  {report.total}")
    lines.append(
        f"{'did you mean (answerable)':<28} {report.did_you_mean_rate:>8.1%}  {count}/{answerable}"
    )
    if show_failures:
        lines.append("\nWrong (style, gold -> predicted):")
        lines += [f"  [{s}] [{g} -> {p}] {t}" for s, g, p, t in report.failures_detail]
    return "\n".join(lines)


def style_failures(report: StyleReport, thresholds: Mapping[str, float]) -> List[str]:
    """Gate breaches in plain words (no message text)."""
    found = []
    overall = thresholds.get("overall_accuracy")
    if overall is not None and report.accuracy < overall:
        found.append(f"overall accuracy {report.accuracy:.1%} < {overall:.1%}")
    label_min = thresholds.get("min_label_accuracy")
    for label, pair in sorted(report.per_label.items()):
        wanted = thresholds.get(f"{label}_accuracy", label_min)
        if wanted is not None and report.rate(pair) < wanted:
            found.append(f"{label}: {report.rate(pair):.1%} < {wanted:.1%}")
    max_dym = thresholds.get("max_did_you_mean_rate")
    if max_dym is not None and report.did_you_mean_rate > max_dym:
        found.append(
            f"did you mean on {report.did_you_mean_rate:.1%} of answerable > {max_dym:.1%}"
        )
    return found
