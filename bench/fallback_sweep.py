"""Sweep FallbackClassifier thresholds without retraining.

Parses the safety sets once (tests/safety/out_of_scope.yml and not_red_flags.yml), then
replays the fallback rule (top intent below `threshold`, or within `ambiguity` of the
second) at each setting: how many out-of-scope messages are handled, and how many ordinary
messages would be sent to "did you mean". Used to choose config.yml's 0.4 / 0.08.

    PYTHONPATH=. .venv/bin/python bench/fallback_sweep.py
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Dict

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.evaluation.nlu import parse_texts
from bot.evaluation.safety import HANDLED_OUT_OF_SCOPE, load_messages
from bot.model_store import ensure_model

THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)
AMBIGUITIES = (0.05, 0.08, 0.1, 0.15)


def label_at(parse: Dict[str, Any], threshold: float, ambiguity: float) -> str:
    ranking = [r for r in parse.get("intent_ranking") or [] if r["name"] != "nlu_fallback"]
    if not ranking:
        return "nlu_fallback"
    top = ranking[0]
    if top["name"] == "red_flag" and top["confidence"] == 1.0:
        return "red_flag"  # set by the red-flag rules, never a fallback
    second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
    if top["confidence"] < threshold or top["confidence"] - second < ambiguity:
        return "nlu_fallback"
    return top["name"]


def main() -> int:
    oos, ordinary = load_messages("out_of_scope.yml"), load_messages("not_red_flags.yml")
    parses = parse_texts(ensure_model(), oos + ordinary)
    print("| threshold | ambiguity | out of scope handled | ordinary sent to fallback |")
    print("|---|---|---|---|")
    for threshold in THRESHOLDS:
        for ambiguity in AMBIGUITIES:
            labels = [label_at(p, threshold, ambiguity) for p in parses]
            handled = sum(label in HANDLED_OUT_OF_SCOPE for label in labels[: len(oos)]) / len(oos)
            fallback = sum(label == "nlu_fallback" for label in labels[len(oos) :]) / len(ordinary)
            print(f"| {threshold} | {ambiguity} | {handled:.1%} | {fallback:.1%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
