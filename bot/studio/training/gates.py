"""The gates a model from the studio must pass before it may go live, as one JSON report.

Runs in its own process (``python -m bot staff gates``), never in the web process: it
loads models with TensorFlow. The NLU gates read the same held-out files as `make
eval-nlu`: no label below its threshold, and overall no more than one point below the
live model on each file. The safety gate is `make eval-safety`'s: red-flag recall 100%,
false alarms at most 2%, and the independent set no worse than its recorded floor.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence

# The most a new model may fall below the live one on a held-out file, overall.
MAX_DROP_POINTS = 1.0


@dataclass(frozen=True)
class LabelRow:
    """One label of the comparison the studio shows (accuracies as 0..1, None when absent)."""

    label: str
    live: Optional[float]
    candidate: float
    total: int
    minimum: Optional[float]

    @property
    def below_minimum(self) -> bool:
        return self.minimum is not None and self.candidate < self.minimum

    def as_dict(self) -> Dict[str, Any]:
        return {
            "label": self.label,
            "live": self.live,
            "candidate": self.candidate,
            "total": self.total,
            "minimum": self.minimum,
            "below_minimum": self.below_minimum,
        }


def _rate(pair: Sequence[int]) -> float:
    return pair[0] / pair[1] if pair[1] else 0.0


def _accuracy(per_label: Mapping[str, Sequence[int]]) -> float:
    total = sum(t for _, t in per_label.values())
    return sum(c for c, _ in per_label.values()) / total if total else 0.0


def compare(
    name: str,
    candidate: Mapping[str, Sequence[int]],
    live: Optional[Mapping[str, Sequence[int]]],
    minimum_for: Mapping[str, Optional[float]],
) -> Dict[str, Any]:
    """One held-out file's comparison: label rows, both overalls, and what fails.

    ``candidate`` and ``live`` map label -> (correct, total); ``minimum_for`` gives each
    label's threshold (None for none).
    """
    rows = [
        LabelRow(
            label=label,
            live=_rate(live[label]) if live and label in live else None,
            candidate=_rate(pair),
            total=int(pair[1]),
            minimum=minimum_for.get(label),
        )
        for label, pair in sorted(candidate.items())
    ]
    overall = _accuracy(candidate)
    live_overall = _accuracy(live) if live else None
    problems = [
        f"{name}: {row.label} {row.candidate:.1%} is below its minimum {row.minimum:.1%}"
        for row in rows
        if row.below_minimum
    ]
    if live_overall is not None and (live_overall - overall) * 100 > MAX_DROP_POINTS:
        problems.append(
            f"{name}: overall {overall:.1%} is more than {MAX_DROP_POINTS:g} point below "
            f"the live model's {live_overall:.1%}"
        )
    return {
        "name": name,
        "overall": overall,
        "live_overall": live_overall,
        "labels": [row.as_dict() for row in rows],
        "problems": problems,
    }


def _label_minimums(labels: Sequence[str], thresholds: Mapping[str, float]) -> Dict[str, Any]:
    default = thresholds.get("min_label_accuracy")
    return {label: thresholds.get(f"{label}_accuracy", default) for label in labels}


def nlu_readings(model: Path) -> Dict[str, Dict[str, List[int]]]:
    """Per-label (correct, total) of ``model`` on the held-out file and the style set."""
    from bot.evaluation import nlu, styles

    held_out = nlu.load_examples(nlu.TEST_FILE)
    styled = styles.load_styled(styles.STYLES_FILE) if styles.STYLES_FILE.is_file() else []
    parses = nlu.parse_texts(model, [e.text for e in held_out] + [e.text for e in styled])
    predicted = [nlu.predicted_label(p) for p in parses]
    readings = {
        "held_out": {
            k: list(v) for k, v in nlu.score(held_out, predicted[: len(held_out)]).per_label.items()
        }
    }
    if styled:
        style_report = styles.score_styled(styled, predicted[len(held_out) :])
        readings["styles"] = {k: list(v) for k, v in style_report.per_label.items()}
        readings["styles_extra"] = {"did_you_mean": list(style_report.fallbacks_on_answerable)}
    return readings


def cached_readings(model: Path, cache: Path) -> Dict[str, Dict[str, List[int]]]:
    """The live model's readings are the same every run: kept next to the model file."""
    if cache.is_file():
        try:
            return json.loads(cache.read_text(encoding="utf-8"))
        except ValueError:
            pass
    readings = nlu_readings(model)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(readings), encoding="utf-8")
    return readings


def nlu_gate(candidate: Path, live: Optional[Path], cache_dir: Path) -> Dict[str, Any]:
    from bot.evaluation import nlu, styles

    new = nlu_readings(candidate)
    old = cached_readings(live, cache_dir / f"{live.name}.nlu.json") if live else {}
    files = [
        compare(
            "held-out questions",
            new["held_out"],
            old.get("held_out"),
            _label_minimums(list(new["held_out"]), nlu.load_thresholds(nlu.THRESHOLDS_FILE)),
        )
    ]
    if "styles" in new:
        thresholds = nlu.load_thresholds(styles.STYLES_THRESHOLDS_FILE)
        styled = compare(
            "independent style set",
            new["styles"],
            old.get("styles"),
            _label_minimums(list(new["styles"]), thresholds),
        )
        overall = thresholds.get("overall_accuracy")
        if overall is not None and styled["overall"] < overall:
            styled["problems"].append(
                f"independent style set: overall {styled['overall']:.1%} is below {overall:.1%}"
            )
        count, answerable = new["styles_extra"]["did_you_mean"]
        limit = thresholds.get("max_did_you_mean_rate")
        if limit is not None and answerable and count / answerable > limit:
            styled["problems"].append(
                f"independent style set: did you mean on {count / answerable:.1%} "
                f"of answerable messages, above {limit:.1%}"
            )
        files.append(styled)
    return {"files": files, "problems": [p for f in files for p in f["problems"]]}


def safety_gate(candidate: Path) -> Dict[str, Any]:
    """`make eval-safety`'s checks on ``candidate``."""
    from bot.evaluation.independent import INDEPENDENT_SET, evaluate_independent, load_floor
    from bot.evaluation.safety import evaluate_safety

    report = evaluate_safety(candidate)
    problems = [f"safety: {p}" for p in report.failures()]
    result: Dict[str, Any] = {"figures": dict(report.figures)}
    if INDEPENDENT_SET.is_file():
        independent = evaluate_independent(candidate, INDEPENDENT_SET)
        result["independent"] = {
            "recall": independent.recall,
            "false_alarm_rate": independent.false_alarm_rate,
        }
        problems += [f"safety: {p}" for p in independent.failures(load_floor())]
    result["problems"] = problems
    return result


def run_gate(name: str, candidate: Path, live: Optional[Path], out: Path, cache_dir: Path) -> int:
    """Write gate ``name``'s report to ``out``; exit 1 when it has problems."""
    report = nlu_gate(candidate, live, cache_dir) if name == "nlu" else safety_gate(candidate)
    out.write_text(json.dumps(report, indent=1), encoding="utf-8")
    for problem in report["problems"]:
        print(problem, flush=True)
    return 1 if report["problems"] else 0
