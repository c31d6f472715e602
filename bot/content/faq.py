"""Read the FAQ topic files (``data/faq/<topic>.yml``).

Each file holds one topic whole: its example questions, its answer with follow-up
buttons, its source documents and its last-reviewed date. Staff change a topic in
one place; the assistant, the content checks and the "did you mean" buttons all
read the same files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

from bot import intents
from bot.settings import PROJECT_ROOT

FAQ_DIR = PROJECT_ROOT / "data" / "faq"
RETRIEVAL_INTENT = intents.FAQ
RESPONSE_PREFIX = f"utter_{RETRIEVAL_INTENT}/"
# A topic button as written in YAML: /ask_topic{{"topic":"<topic>"}} (braces doubled).
_PAYLOAD_TOPIC_RE = re.compile(
    rf'^/{intents.ASK_TOPIC}\{{\{{"{intents.TOPIC_ENTITY}":\s*"([a-z0-9_]+)"\}}\}}$'
)
MIN_EXAMPLES = 10  # example questions every topic needs
ALLOWED_PLAIN_PAYLOADS = (
    intents.payload(intents.BOOK_CONSULTATION),
    intents.payload(intents.HUMAN_HANDOFF),
)


@dataclass(frozen=True)
class Button:
    title: str
    payload: str

    @property
    def topic(self) -> Optional[str]:
        """The topic an ``/ask_topic`` button asks for, if it is one."""
        match = _PAYLOAD_TOPIC_RE.match(self.payload)
        return match.group(1) if match else None


@dataclass(frozen=True)
class FaqTopic:
    key: str
    title: str
    sources: Tuple[str, ...]
    last_reviewed: str
    examples: Tuple[str, ...]
    answers: Tuple[str, ...]
    buttons: Tuple[Button, ...]
    path: Path
    note: str = ""
    metadata: Dict[str, object] = field(default_factory=dict)


class ContentError(ValueError):
    """A topic file is not in the expected shape."""


def parse_examples(block: str) -> Tuple[str, ...]:
    """The lines of an ``examples: |`` block, without their leading "- "."""
    lines = [line.strip() for line in (block or "").splitlines()]
    return tuple(line[2:].strip() for line in lines if line.startswith("- "))


def load_topic(path: Path) -> FaqTopic:
    """Parse one topic file; raise :class:`ContentError` with the file name when wrong."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ContentError(f"{path.name}: not valid YAML: {exc}") from exc
    nlu = raw.get("nlu") or []
    if len(nlu) != 1 or not str(nlu[0].get("intent", "")).startswith(RETRIEVAL_INTENT + "/"):
        raise ContentError(f"{path.name}: needs exactly one 'intent: faq/<topic>' block")
    block = nlu[0]
    key = str(block["intent"]).split("/", 1)[1]
    if key != path.stem:
        raise ContentError(f"{path.name}: intent faq/{key} must match the file name")
    meta = dict(block.get("metadata") or {})
    responses = raw.get("responses") or {}
    variations = responses.get(RESPONSE_PREFIX + key)
    if not variations:
        raise ContentError(f"{path.name}: missing response {RESPONSE_PREFIX}{key}")
    buttons = tuple(
        Button(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
        for variation in variations
        for b in (variation.get("buttons") or [])
    )
    return FaqTopic(
        key=key,
        title=str(meta.get("title") or key.replace("_", " ").capitalize()),
        sources=tuple(str(s) for s in meta.get("sources") or []),
        last_reviewed=str(meta.get("last_reviewed") or ""),
        examples=parse_examples(block.get("examples", "")),
        answers=tuple(str(v.get("text", "")) for v in variations),
        buttons=buttons,
        path=Path(path),
        note=str(meta.get("note") or ""),
        metadata=meta,
    )


def load_topics(faq_dir: Path = FAQ_DIR) -> Dict[str, FaqTopic]:
    """All topics, keyed by topic name, in file-name order."""
    topics = [load_topic(path) for path in sorted(Path(faq_dir).glob("*.yml"))]
    return {topic.key: topic for topic in topics}


@lru_cache(maxsize=1)
def get_topics() -> Dict[str, FaqTopic]:
    return load_topics()


def topic_titles() -> Dict[str, str]:
    return {key: topic.title for key, topic in get_topics().items()}


def problems(topics: Dict[str, FaqTopic]) -> List[str]:
    """Content mistakes a staff member could make, in plain words (empty when fine)."""
    found: List[str] = []
    for topic in topics.values():
        name = topic.path.name
        if len(topic.examples) < MIN_EXAMPLES:
            found.append(
                f"{name}: only {len(topic.examples)} example questions (want {MIN_EXAMPLES}+)"
            )
        if not topic.last_reviewed:
            found.append(f"{name}: metadata.last_reviewed is missing")
        for button in topic.buttons:
            if button.payload in ALLOWED_PLAIN_PAYLOADS:
                continue
            if button.topic is None:
                found.append(
                    f"{name}: button '{button.title}' payload must be /book_consultation, "
                    '/human_handoff or /ask_topic{{"topic":"<topic>"}} (double braces)'
                )
            elif button.topic not in topics:
                found.append(
                    f"{name}: button '{button.title}' points to unknown topic '{button.topic}'"
                )
    return found
