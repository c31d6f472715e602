"""Choose the semantic net's thresholds on the development set (never a test set).

For each candidate threshold: how many emergencies of tests/safety/dev/threshold.yml that
the catalog patterns miss the semantic net catches, and how many of its near misses it
would flag. Writes bench/results/semantic-threshold-<date>.md; copy the chosen values into
data/catalog/red_flag_exemplars.yml.

    .venv/bin/python bench/semantic_threshold.py
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.encoder import load_encoder  # noqa: E402
from bot.evaluation.independent import load_cases  # noqa: E402
from bot.safety.red_flags import detector_for  # noqa: E402
from bot.safety.semantic import SemanticNet, load_exemplars  # noqa: E402
from bot.settings import PROJECT_ROOT  # noqa: E402

DEV = PROJECT_ROOT / "tests" / "safety" / "dev" / "threshold.yml"
CANDIDATES = (0.55, 0.60, 0.62, 0.65, 0.68, 0.70, 0.72, 0.75, 0.80)


def main() -> int:
    exemplars = load_exemplars()
    net = SemanticNet(load_encoder(), exemplars)
    detector = detector_for()
    emergencies, near = load_cases(DEV)

    def row(text: str):
        hits, dismissed = detector.assess(text)
        _, score, calm = net.scores(text)
        return bool(hits), dismissed, score, calm

    em = [row(c.text) for c in emergencies]
    nm = [row(c.text) for c in near]
    missed = [r for r in em if not r[0]]
    lines = [
        f"# Semantic threshold sweep, {dt.date.today().isoformat()}",
        f"Development set: {DEV.relative_to(PROJECT_ROOT)}",
        "",
        f"Catalog patterns alone: {len(em) - len(missed)}/{len(em)} emergencies, "
        f"{sum(r[0] for r in nm)}/{len(nm)} near misses flagged.",
        "",
        "| threshold | missed emergencies caught | near misses newly flagged |",
        "|---|---|---|",
    ]

    def flagged(r, th: float) -> bool:
        return not r[0] and not r[1] and r[2] >= th and r[3] < r[2]

    for th in CANDIDATES:
        lines.append(
            f"| {th:.2f} | {sum(flagged(r, th) for r in missed)}/{len(missed)} "
            f"| {sum(flagged(r, th) for r in nm)}/{len(nm)} |"
        )
    lines += [
        "",
        f"In use: threshold {exemplars.threshold}, unsure band from {exemplars.unsure_from}.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    target = (
        PROJECT_ROOT / "bench" / "results" / f"semantic-threshold-{dt.date.today().isoformat()}.md"
    )
    target.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
