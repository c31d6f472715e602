"""Choose how sure the learned head must be before the intent classifier's lone red_flag stands.

When the catalog's patterns and the nearest-example net find nothing, the intent
classifier (DIET) may still say red_flag from words alone ("my arm is a little swollen
where they injected"). RedFlagClassifier overrules it when the learned head
(bot/safety/head.py) gives the message a probability of being an emergency under
``classifier_alone_min_head_probability``. This script chooses that floor.

Every development message (tests/safety/dev/) and every ordinary question
(tests/nlu/test_nlu.yml, tests/nlu/dev/) goes through the trained model with the floor off.
Where the classifier's red_flag stood alone, the head's probability is taken from a head
trained without that message's development set (leave one set out, as in
bench/red_flag_head.py); ordinary questions are never trained on, so the full head judges
them. Per floor: emergencies that would lose their urgent reply, near misses and ordinary
questions that would lose their false alarm. The independent sets are never read.
Writes bench/results/red-flag-lone-classifier-<date>.md.

    .venv/bin/python bench/red_flag_lone_classifier.py [models/pit-....tar.gz]
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

from bench.red_flag_head import ordinary_messages  # noqa: E402
from bot import intents  # noqa: E402
from bot.encoder.model import load_encoder  # noqa: E402
from bot.safety import head as head_module  # noqa: E402
from bot.safety import red_flag_classifier  # noqa: E402
from bot.settings import PROJECT_ROOT  # noqa: E402

FLOORS = (0.1, 0.2, 0.3, 0.4, 0.5)
RESULTS = PROJECT_ROOT / "bench" / "results"


def latest_model() -> Path:
    models = sorted((PROJECT_ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise SystemExit("no trained model in models/: run make train")
    return models[-1]


def lone_red_flags(model: Path, texts: Sequence[str]) -> Set[str]:
    """The texts whose final intent is red_flag only because the classifier said so."""
    from rasa.core.agent import Agent

    reached: Set[str] = set()
    real = red_flag_classifier.RedFlagClassifier._head_doubts_classifier

    def record(self, message, net, text):  # type: ignore[no-untyped-def]
        if (message.get("intent") or {}).get("name") == intents.RED_FLAG:
            reached.add(text)
        return False  # the floor off: see what the classifier alone does

    red_flag_classifier.RedFlagClassifier._head_doubts_classifier = record  # type: ignore
    try:
        agent = Agent.load(str(model))

        async def final_intents() -> Dict[str, Optional[str]]:
            out = {}
            for text in texts:
                parsed = await agent.parse_message(text)
                out[text] = (parsed.get("intent") or {}).get("name")
            return out

        final = asyncio.run(final_intents())
    finally:
        red_flag_classifier.RedFlagClassifier._head_doubts_classifier = real  # type: ignore
    return {t for t in reached if final.get(t) == intents.RED_FLAG}


def held_out_probabilities(
    examples: List[head_module.Example], vectors: np.ndarray, wanted: Set[str]
) -> Dict[int, float]:
    """Example index -> P(emergency) from a head trained without the example's dev set."""
    classes = head_module.class_list(examples)
    out: Dict[int, float] = {}
    for name in sorted({e.source for e in examples if e.source.startswith("dev/")}):
        test = np.array([e.source == name for e in examples])
        if not any(examples[i].text in wanted for i in np.flatnonzero(test)):
            continue
        kept = [e for e, t in zip(examples, test, strict=True) if not t]
        head = head_module.fit(
            vectors[~test], [e.label for e in kept], classes, [e.weight for e in kept]
        )
        for i in np.flatnonzero(test):
            if examples[i].text in wanted:
                out[int(i)] = head.verdict(vectors[i]).probability
    return out


def main(argv: Optional[List[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    model = Path(args[0]).resolve() if args else latest_model()
    examples = head_module.training_examples()
    dev = [e for e in examples if e.source.startswith("dev/")]
    ordinary = [t for t in ordinary_messages() if t]
    lone = lone_red_flags(model, sorted({e.text for e in dev} | set(ordinary)))
    encoder = load_encoder()
    vectors = encoder.encode_many([e.text for e in examples])
    dev_p = held_out_probabilities(examples, vectors, lone)
    full = head_module.load_head()
    ordinary_lone = [t for t in ordinary if t in lone]
    ordinary_p = [full.verdict(encoder.encode(t)).probability for t in ordinary_lone]
    emergencies = [(examples[i], p) for i, p in dev_p.items() if examples[i].label != "none"]
    nears = [(examples[i], p) for i, p in dev_p.items() if examples[i].label == "none"]
    lines = [
        f"# The intent classifier's lone red_flag: how sure the head must be ({dt.date.today()})",
        "",
        f"`.venv/bin/python bench/red_flag_lone_classifier.py {model.relative_to(PROJECT_ROOT)}`."
        f" The classifier's red_flag stood alone (patterns and nearest example found nothing) on "
        f"{len(emergencies)} development emergencies, {len(nears)} development near misses and "
        f"{len(ordinary_lone)} of {len(ordinary)} ordinary questions. Head probabilities: "
        "development messages from a head trained without their set; ordinary questions "
        "from the full head (never trained on them).",
        "",
        "| floor | emergencies that lose the urgent reply | near misses no longer flagged "
        "| ordinary questions no longer flagged |",
        "|---|---|---|---|",
    ]
    for floor in FLOORS:
        lost = sum(p < floor for _, p in emergencies)
        spared = sum(p < floor for _, p in nears)
        calm = sum(p < floor for p in ordinary_p)
        lines.append(
            f"| {floor} | {lost}/{len(emergencies)} | {spared}/{len(nears)} "
            f"| {calm}/{len(ordinary_lone)} |"
        )
    lines += ["", "Emergencies the classifier alone flagged, with their held-out probability:", ""]
    lines += [f"- {p:.2f} {e.label}: {e.text}" for e, p in sorted(emergencies, key=lambda x: x[1])]
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"red-flag-lone-classifier-{dt.date.today()}.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
