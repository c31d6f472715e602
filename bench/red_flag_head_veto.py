"""Would the learned head make a good veto of the catalog's matches? Leave one development
set out at a time: for each set, the head (bot/safety/head.py) is trained on everything else;
among that set's emergencies the patterns catch and near misses they flag, how many a veto
("the head's emergency probability is below T") would lose and drop, per threshold.

Measured 2026-12-07 (session 45): below 0.005, 0 emergencies lost and 19 of 338 false alarms
dropped; below 0.01, 4 lost and 32 dropped. Not adopted: too little for a second way to miss
an emergency. The independent sets are never read.

    .venv/bin/python bench/red_flag_head_veto.py
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.red_flag_head import leave_one_set_out  # noqa: E402
from bot.encoder.model import load_encoder  # noqa: E402
from bot.safety import head as head_module  # noqa: E402
from bot.safety.red_flags import detector_for  # noqa: E402

THRESHOLDS = (0.005, 0.01, 0.02, 0.05, 0.1)


def main() -> int:
    detector, encoder = detector_for(), load_encoder()
    examples = head_module.training_examples()
    vectors = encoder.encode_many([e.text for e in examples])
    flagged = np.array(
        [e.source.startswith("dev/") and bool(detector.detect(e.text)) for e in examples]
    )
    caught: List[float] = []  # head probabilities of caught emergencies
    false_alarms: List[float] = []  # ... and of flagged near misses
    for test, head in leave_one_set_out(examples, vectors):
        for i in np.flatnonzero(test & flagged):
            p = head.verdict(vectors[i]).probability
            (false_alarms if examples[i].label == head_module.NONE else caught).append(p)
    print(f"caught by the patterns: {len(caught)}; flagged: {len(false_alarms)}")
    for t in THRESHOLDS:
        lost = sum(p < t for p in caught)
        dropped = sum(p < t for p in false_alarms)
        print(f"veto below {t}: {lost} emergencies lost, {dropped} false alarms dropped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
