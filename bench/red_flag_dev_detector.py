"""Every development set at detector level: the catalog's patterns and ConText, no model.

For a catalog change: how many emergencies of each set (tests/safety/dev/) the patterns
catch and how many near misses they flag, in seconds and without training. ``--save``
writes every miss and false alarm to a JSON file; ``--against`` an earlier file prints each
message that changed, so a change that loses an emergency anywhere is seen at once. The
independent set (tests/safety/independent/) is never read. End to end, with the model and
the learned head, use bench/red_flag_dev_set.py.

    .venv/bin/python bench/red_flag_dev_detector.py --save /tmp/before.json
    (change data/catalog/red_flags.yml)
    .venv/bin/python bench/red_flag_dev_detector.py --against /tmp/before.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Dict

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.evaluation.independent import load_cases  # noqa: E402
from bot.safety.head import DEV_DIR  # noqa: E402  (the sets the learned head trains on)
from bot.safety.red_flags import detector_for  # noqa: E402

Outcome = Dict[str, Dict[str, Any]]  # set -> {"missed": [...], "flagged": [...], "counts"}


def measure() -> Outcome:
    """Per development set, the emergencies the detector misses and the near misses it flags."""
    detector = detector_for()
    outcome: Outcome = {}
    for path in sorted(DEV_DIR.glob("*.yml")):
        emergencies, near_misses = load_cases(path)
        if not emergencies and not near_misses:
            continue
        outcome[path.name] = {
            "missed": [c.text for c in emergencies if not detector.detect(c.text)],
            "flagged": [c.text for c in near_misses if detector.detect(c.text)],
            "counts": [len(emergencies), len(near_misses)],
        }
    return outcome


def report(outcome: Outcome) -> None:
    """Caught and flagged per set, then over all of them."""
    totals = [0, 0, 0, 0]
    for name, found in outcome.items():
        emergencies, near_misses = found["counts"]
        caught = emergencies - len(found["missed"])
        flagged = len(found["flagged"])
        print(f"{name:42s} caught {caught:4d}/{emergencies:<4d} flagged {flagged:3d}/{near_misses}")
        row = [caught, emergencies, flagged, near_misses]
        totals = [a + b for a, b in zip(totals, row, strict=True)]
    print("all development sets: caught %d/%d, flagged %d/%d" % tuple(totals))


def changes(before: Outcome, after: Outcome) -> None:
    """Each message whose outcome changed: a new miss or false alarm, or one gone."""
    for name, found in after.items():
        earlier = before.get(name, {"missed": [], "flagged": []})
        for kind in ("missed", "flagged"):
            for text in sorted(set(found[kind]) - set(earlier[kind])):
                print(f"NEW  {kind:7s} {name} | {text}")
            for text in sorted(set(earlier[kind]) - set(found[kind])):
                print(f"GONE {kind:7s} {name} | {text}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--save", type=Path, help="write misses and false alarms to this JSON file")
    parser.add_argument("--against", type=Path, help="print what changed since this JSON file")
    args = parser.parse_args()
    outcome = measure()
    report(outcome)
    if args.against:
        changes(json.loads(args.against.read_text(encoding="utf-8")), outcome)
    if args.save:
        args.save.write_text(json.dumps(outcome, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
