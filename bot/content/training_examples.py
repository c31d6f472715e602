"""Training examples staff write in the studio: checked, then written into the topic file.

The checks keep the training data honest: an example may belong to one intent only, the
project's held-out test messages never become training data (the tests would then
measure memory, not understanding), and the YAML stays plain (no entity markup).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Collection, Dict, Iterable, List, Sequence, Set

from bot.content.faq import MIN_EXAMPLES
from bot.content.responses import read_yaml
from bot.evaluation.nlu import TEST_FILE
from bot.evaluation.styles import STYLES_FILE

MAX_EXAMPLES = 400
MAX_EXAMPLE_CHARS = 300
# Held-out sets that must stay unseen by training (tests/nlu: README).
HELD_OUT_FILES = (TEST_FILE, STYLES_FILE)
_ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]+\)")
_MARKUP = re.compile(r"[\[\]{}]")


def normalized(text: str) -> str:
    """Case, spacing and end punctuation do not make a different example."""
    text = _ANNOTATION.sub(r"\1", text)
    return re.sub(r"\s+", " ", text).strip().strip("?!.").strip().lower()


def split_lines(block: str) -> List[str]:
    """Examples typed one per line; a leading "- " (pasted from YAML) is dropped."""
    lines = []
    for line in (block or "").replace("\r\n", "\n").split("\n"):
        line = line.strip()
        if line == "-" or line.startswith("- "):
            line = line[1:].strip()
        if line:
            lines.append(line)
    return lines


def training_index(root: Path) -> Dict[str, Set[str]]:
    """Normalized example text -> the intents (``faq/<topic>`` for FAQ) it trains."""
    index: Dict[str, Set[str]] = defaultdict(set)
    for path in sorted((root / "data").rglob("*.yml")):
        raw = read_yaml(path) or {}
        for block in raw.get("nlu") or [] if isinstance(raw, dict) else []:
            label = block.get("intent") if isinstance(block, dict) else None
            if label:
                for line in split_lines(str(block.get("examples") or "")):
                    index[normalized(line)].add(str(label))
    return index


def held_out_texts(files: Iterable[Path] = HELD_OUT_FILES) -> Set[str]:
    texts: Set[str] = set()
    for path in files:
        if not path.exists():
            continue
        raw = read_yaml(path) or {}
        for block in raw.get("nlu") or []:
            texts.update(normalized(t) for t in split_lines(str(block.get("examples") or "")))
        for message in raw.get("messages") or []:
            texts.add(normalized(str(message.get("text") or "")))
    return texts


@dataclass(frozen=True)
class ExampleProblem:
    example: str
    message: str


def check_examples(
    examples: Sequence[str],
    intent: str,
    index: Dict[str, Set[str]],
    held_out: Set[str],
    titles: Dict[str, str],
    existing: Collection[str] = (),
) -> List[ExampleProblem]:
    """Why these examples for ``intent`` cannot be saved (empty when they can).

    Questions already in the topic file (``existing``) are not checked again: staff
    are answerable for what they add, and a tidy-up must not be blocked by old lines.
    """
    problems: List[ExampleProblem] = []
    if len(examples) < MIN_EXAMPLES:
        problems.append(
            ExampleProblem(
                "",
                f"A topic needs at least {MIN_EXAMPLES} example questions; this has "
                f"{len(examples)}. Add more ways a patient might ask it.",
            )
        )
    if len(examples) > MAX_EXAMPLES:
        problems.append(ExampleProblem("", f"At most {MAX_EXAMPLES} example questions, please."))
    for example in examples:
        if example in existing:
            continue
        key = normalized(example)
        if len(example) > MAX_EXAMPLE_CHARS:
            problems.append(
                ExampleProblem(example, f"Keep each example under {MAX_EXAMPLE_CHARS} characters.")
            )
        elif _MARKUP.search(example):
            problems.append(
                ExampleProblem(example, "Leave out the characters [ ] { }: they are markup here.")
            )
        elif not key:
            problems.append(ExampleProblem(example, "This line has no words."))
        elif key in held_out:
            problems.append(
                ExampleProblem(
                    example,
                    "This exact question is in the project's test set, which must stay unseen "
                    "by training. Write it in other words.",
                )
            )
        else:
            others = sorted(index.get(key, set()) - {intent})
            if others:
                where = ", ".join(titles.get(other, other) for other in others)
                problems.append(
                    ExampleProblem(
                        example, f"This is already an example of another topic ({where})."
                    )
                )
    return problems


def unique(examples: Sequence[str]) -> List[str]:
    """The examples in order, each only once (ignoring case and end punctuation)."""
    seen: Set[str] = set()
    kept = []
    for example in examples:
        key = normalized(example)
        if key not in seen:
            seen.add(key)
            kept.append(example)
    return kept
