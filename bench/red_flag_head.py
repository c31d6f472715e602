"""Choose the learned red-flag head's threshold by leaving one development set out at a time.

For each development set in tests/safety/dev/, the head (bot/safety/head.py) is trained on
everything else and judged on that set, only where the catalog's patterns found nothing
and dismissed nothing (the only messages the head ever reads). Summed over the sets:
emergencies the patterns missed that the head catches, and near misses it newly flags,
per threshold. Ordinary questions (tests/nlu/test_nlu.yml and tests/nlu/dev/) are judged by
the head trained on everything: how many it would flag. The independent sets are never read.
Writes bench/results/red-flag-head-<date>.md.

    .venv/bin/python bench/red_flag_head.py
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Sequence, Tuple

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.encoder.model import load_encoder  # noqa: E402
from bot.safety import head as head_module  # noqa: E402
from bot.safety.red_flags import detector_for  # noqa: E402
from bot.settings import PROJECT_ROOT  # noqa: E402

THRESHOLDS = (0.85, 0.9, 0.93, 0.95, 0.97)
RESULTS = PROJECT_ROOT / "bench" / "results"


def ordinary_messages() -> List[str]:
    from rasa.shared.nlu.training_data.loading import load_data

    texts = [
        m["text"]
        for path in sorted((PROJECT_ROOT / "tests/nlu/dev").glob("styles_dev*.yml"))
        for m in yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]
        if m.get("label") != "red_flag"
    ]
    data = load_data(str(PROJECT_ROOT / "tests/nlu/test_nlu.yml"))
    return texts + [e.get("text") for e in data.intent_examples if e.get("intent") != "red_flag"]


def undecided(texts: Sequence[str]) -> np.ndarray:
    """True where the patterns found nothing and dismissed nothing."""
    detector = detector_for()
    return np.array([not any(detector.assess(t)) for t in texts])


def leave_one_set_out(
    examples: List[head_module.Example], vectors: np.ndarray
) -> Iterator[Tuple[np.ndarray, head_module.RedFlagHead]]:
    """For each development set: which examples are its own, and a head trained on all the
    others (bench/red_flag_head_veto.py leaves sets out the same way)."""
    classes = head_module.class_list(examples)
    for name in sorted({e.source for e in examples if e.source.startswith("dev/")}):
        test = np.array([e.source == name for e in examples])
        kept = [e for e, t in zip(examples, test, strict=True) if not t]
        yield (
            test,
            head_module.fit(
                vectors[~test], [e.label for e in kept], classes, [e.weight for e in kept]
            ),
        )


def leave_one_out(
    examples: List[head_module.Example], vectors: np.ndarray, open_: np.ndarray
) -> Tuple[Dict[float, int], Dict[float, int], int, int]:
    caught = dict.fromkeys(THRESHOLDS, 0)
    flagged = dict.fromkeys(THRESHOLDS, 0)
    missed = nears = 0
    for test, head in leave_one_set_out(examples, vectors):
        for i in np.flatnonzero(test):
            emergency = examples[i].label != head_module.NONE
            missed += emergency and open_[i]
            nears += not emergency
            if not open_[i]:
                continue
            p = head.verdict(vectors[i]).probability
            for t in THRESHOLDS:
                if p >= t:
                    (caught if emergency else flagged)[t] += 1
    return caught, flagged, int(missed), nears


def main() -> int:
    encoder = load_encoder()
    examples = head_module.training_examples()  # only "dev/..." sets are left out in turn
    vectors = encoder.encode_many([e.text for e in examples])
    open_ = undecided([e.text for e in examples])
    caught, flagged, missed, nears = leave_one_out(examples, vectors, open_)
    full = head_module.fit(
        vectors,
        [e.label for e in examples],
        head_module.class_list(examples),
        [e.weight for e in examples],
    )
    ordinary = ordinary_messages()
    ordinary_open = undecided(ordinary)
    ordinary_p = [full.verdict(v).probability for v in encoder.encode_many(ordinary)]
    lines = [
        "# Learned red-flag head: threshold by leaving one development set out "
        f"({dt.date.today()})",
        "",
        f"`.venv/bin/python bench/red_flag_head.py`. C={head_module.C}, ordinary examples "
        f"weighted {head_module.ORDINARY_WEIGHT}. Emergencies the "
        f"patterns left open (no match, nothing dismissed): {missed}; near misses: {nears}; "
        f"ordinary questions (tests/nlu, never trained on): {len(ordinary)}.",
        "",
        "| threshold | open emergencies caught | near misses newly flagged "
        "| ordinary questions flagged |",
        "|---|---|---|---|",
    ]
    for t in THRESHOLDS:
        ord_flagged = sum(1 for o, p in zip(ordinary_open, ordinary_p, strict=True) if o and p >= t)
        lines.append(
            f"| {t} | {caught[t]}/{missed} | {flagged[t]}/{nears} | {ord_flagged}/{len(ordinary)} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"red-flag-head-{dt.date.today()}.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
