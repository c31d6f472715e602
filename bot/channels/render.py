"""Text for media that show only plain text: sentence-end splitting and numbered options.

Providers cap a message's length (SMS via Twilio 1,600 characters, Telegram 4,096,
Messenger 2,000); a long answer is cut at sentence ends into as few parts as
possible, so no sentence is broken unless a single sentence is itself too long.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping

# A break is allowed after a sentence end or at a line break (the space stays with it).
_BREAK = re.compile(r"(?<=[.!?…])[\"')\]]*\s+|\n+")
_SPACE = re.compile(r"\s+")


@dataclass
class Button:
    title: str
    payload: str


@dataclass
class Reply:
    """One message the assistant sent in a turn, in our own medium-neutral form."""

    text: str = ""
    buttons: List[Button] = field(default_factory=list)

    @classmethod
    def from_rasa(cls, message: Mapping[str, Any]) -> "Reply":
        """Rasa's output message (text, buttons/quick_replies, image, attachment) as a Reply."""
        parts = [str(message.get("text") or "").strip()]
        for link_key in ("image", "attachment"):
            value = message.get(link_key)
            if isinstance(value, str) and value.strip():
                parts.append(value.strip())  # links are sent as plain URLs
        raw_buttons = message.get("buttons") or message.get("quick_replies") or []
        buttons = [
            Button(str(b.get("title") or "").strip(), str(b.get("payload") or "").strip())
            for b in raw_buttons
            if isinstance(b, Mapping) and b.get("payload")
        ]
        return cls("\n\n".join(p for p in parts if p), buttons)


def sentence_pieces(text: str) -> List[str]:
    """The text cut after each sentence end and line break (pieces keep their spacing)."""
    pieces, start = [], 0
    for match in _BREAK.finditer(text):
        pieces.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def _hard_split(piece: str, limit: int) -> List[str]:
    """A single sentence longer than ``limit``: cut at spaces, or anywhere if one word is."""
    parts: List[str] = []
    current = ""
    for word in re.findall(r"\S+\s*", piece):
        while len(word.rstrip()) > limit:
            if current.strip():
                parts.append(current)
                current = ""
            parts.append(word[:limit])
            word = word[limit:]
        if len((current + word).rstrip()) > limit:
            parts.append(current)
            current = ""
        current += word
    if current.strip():
        parts.append(current)
    return parts


def split_text(text: str, limit: int) -> List[str]:
    """``text`` in as few parts of at most ``limit`` characters as sentence ends allow."""
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    segments: List[str] = []
    current = ""
    for piece in sentence_pieces(text):
        if len(piece.rstrip()) > limit:
            pieces = _hard_split(piece, limit)
        else:
            pieces = [piece]
        for part in pieces:
            if current and len((current + part).rstrip()) > limit:
                segments.append(current.strip())
                current = ""
            current += part
    if current.strip():
        segments.append(current.strip())
    return [s for s in segments if s]


def numbered_options(titles: Iterable[str], line: str) -> str:
    """'Reply 1 for How often?' lines; ``line`` has {number} and {title} placeholders."""
    return "\n".join(
        line.format(number=number, title=_SPACE.sub(" ", title).strip())
        for number, title in enumerate(titles, start=1)
    )


def joined(replies: Iterable[Reply]) -> str:
    """The texts of a turn as one message (paragraphs kept), for media billed per message."""
    return "\n\n".join(r.text for r in replies if r.text)


def last_buttons(replies: Iterable[Reply]) -> List[Button]:
    """The buttons the patient should answer: those of the last message that has any."""
    found: List[Button] = []
    for reply in replies:
        if reply.buttons:
            found = reply.buttons
    return found


def as_dicts(buttons: Iterable[Button]) -> List[Dict[str, str]]:
    return [{"title": b.title, "payload": b.payload} for b in buttons]
