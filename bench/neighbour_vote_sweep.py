"""Choose the neighbour vote's settings (bot/nlp/neighbours.py) on the blind development sets.

Never on the independent style set: that one is measured once, with `make eval-nlu`, after
the choice. The classifiers' labels come from the trained model with the vote switched off
in this process (the vote runs after DIET and the ResponseSelector, so their labels are the
same as a model trained without it). The vote is then applied here with the component's
own rule (``NeighbourIndex``, ``LinearReader``, ``agreed_label``) for each candidate
setting: the nearest examples alone (no reader), or only when the linear reader agrees.
Where the understanding gate had already changed the classifiers' label the message is
left as it was (the gate runs after the vote and has the last word).

    make train
    .venv/bin/python bench/neighbour_vote_sweep.py --model models/pit-<fingerprint>.tar.gz

Writes bench/results/neighbour-vote-sweep-<date>.md unless ``--out`` names another file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import yaml  # noqa: E402

from bot.encoder import load_encoder  # noqa: E402
from bot.evaluation.nlu import load_examples, parse_texts, predicted_label  # noqa: E402
from bot.nlp.neighbours import (  # noqa: E402
    LinearReader,
    NeighbourIndex,
    NeighbourVote,
    agreed_label,
    example_label,
)
from bot.settings import PROJECT_ROOT  # noqa: E402

DEV_FILES = sorted((PROJECT_ROOT / "tests" / "nlu" / "dev").glob("styles_dev*.yml"))
HELD_OUT = PROJECT_ROOT / "tests" / "nlu" / "test_nlu.yml"
_VOTE = NeighbourVote.get_default_config()
KEEP: Tuple[str, ...] = tuple(_VOTE["keep"])
NEVER_TO: Tuple[str, ...] = tuple(_VOTE["never_to"])
DECLINES = ("ask_other_treatment", "other_language")  # scored as out of scope
# (k, margin, the reader's regression C or None for the nearest examples alone)
CANDIDATES: Tuple[Tuple[int, float, Optional[float]], ...] = tuple(
    (k, margin, c)
    for c in (None, 0.5, 2.0, 8.0)
    for k in (3, 5)
    for margin in ((0.10, 0.15, 0.20) if c is None else (0.0, 0.05, 0.10))
)


def _norm(label: str) -> str:
    return "out_of_scope" if label in DECLINES else label


def _raw_label(parse: Dict) -> str:
    intent = parse.get("intent") or {}
    if intent.get("name") == "faq":
        return str(intent.get("full_retrieval_intent_name") or "faq")
    return str(intent.get("name") or "")


def _messages() -> List[Tuple[str, str, str]]:
    """(file, gold label, text) for each development message and held-out question."""
    rows = []
    for path in DEV_FILES:
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]:
            rows.append((path.stem, str(item["label"]), str(item["text"])))
    rows += [("held-out", e.label, e.text) for e in load_examples(HELD_OUT)]
    return rows


def _training_pairs() -> List[Tuple[str, str]]:
    from rasa.shared.nlu.training_data.loading import load_data

    pairs = []
    for folder in ("nlu", "faq"):  # the training data (data/catalog is not NLU data)
        for path in sorted((PROJECT_ROOT / "data" / folder).glob("*.yml")):
            pairs += [
                (example_label(e), e.get("text")) for e in load_data(str(path)).intent_examples
            ]
    return sorted(((str(a), str(b)) for a, b in pairs if a and b), key=lambda p: len(p[1]))


def sweep(model: Path) -> str:
    encoder = load_encoder()
    pairs = _training_pairs()
    vectors = encoder.encode_many([t for _, t in pairs])
    rows = _messages()
    message_vectors = encoder.encode_many([t for _, _, t in rows])
    NeighbourVote.process = lambda self, messages: messages  # type: ignore[method-assign]
    parses = parse_texts(model, [t for _, _, t in rows])
    final = [predicted_label(p) for p in parses]
    raw = [_raw_label(p) for p in parses]
    files = sorted({f for f, _, _ in rows}, key=lambda f: (f == "held-out", f))

    def right(labels: Sequence[str]) -> Dict[str, int]:
        out = dict.fromkeys(files, 0)
        for (f, gold, _), label in zip(rows, labels, strict=True):
            out[f] += _norm(label) == _norm(gold)
        return out

    totals = {f: sum(1 for r in rows if r[0] == f) for f in files}
    before = right(final)
    lines = [
        f"# Neighbour vote settings on the blind development sets, {dt.date.today().isoformat()}",
        "",
        f"Classifiers' labels from `{model.name}` with the vote off. Right answers per file; "
        "'moved' counts the messages whose label the vote changed (better / worse). "
        "'reader C': the linear reader that must agree (none: the nearest examples alone).",
        "",
        "| k | margin | reader C | " + " | ".join(files) + " | dev total | moved (better/worse) |",
        "|---|---|---|" + "---|" * len(files) + "---|---|",
        "| - | no vote | - | "
        + " | ".join(f"{before[f]}/{totals[f]}" for f in files)
        + f" | {sum(before[f] for f in files if f != 'held-out')} | - |",
    ]
    labels = [label for label, _ in pairs]
    readers = {c: LinearReader.fit(labels, vectors, c) for c in {c for _, _, c in CANDIDATES} if c}
    indexes = {k: NeighbourIndex(labels, vectors, k) for k in {k for k, _, _ in CANDIDATES}}
    for k, margin, c in CANDIDATES:
        index, reader = indexes[k], readers.get(c)
        voted, better, worse = list(final), 0, 0
        for i, (_, gold, text) in enumerate(rows):
            if final[i] != raw[i] or len(text.split()) < int(_VOTE["min_words"]):
                continue
            vector = message_vectors[i]
            read = reader.label(vector) if reader else None
            label = agreed_label(index.scores(vector), read, final[i], margin, KEEP, NEVER_TO)
            if label is not None:
                voted[i] = label
                better += _norm(label) == _norm(gold) and _norm(final[i]) != _norm(gold)
                worse += _norm(final[i]) == _norm(gold) and _norm(label) != _norm(gold)
        after = right(voted)
        lines.append(
            f"| {k} | {margin:.2f} | {c or '-'} | "
            + " | ".join(f"{after[f]}/{totals[f]}" for f in files)
            + f" | {sum(after[f] for f in files if f != 'held-out')} | {better}/{worse} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, type=Path, help="a trained model")
    default = PROJECT_ROOT / "bench" / "results" / f"neighbour-vote-sweep-{dt.date.today()}.md"
    parser.add_argument("--out", type=Path, default=default, help="the report to write")
    args = parser.parse_args()
    report = sweep(args.model)
    out = args.out.resolve()
    out.write_text(report, encoding="utf-8")
    print(report)
    print(f"Written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
