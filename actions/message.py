"""Read the parts of a parsed user message that the actions look at.

Rasa hands actions the latest message as a plain dict (``tracker.latest_message``) and
earlier ones inside events (``parse_data``). These helpers are the one way the actions
read an intent name or an entity from them, so a missing key or a blank value is
handled the same way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, List, Mapping, Optional, Tuple


def intent_name(message: Optional[Mapping[str, Any]]) -> Optional[str]:
    """The intent name of a parsed message (``None`` when it has none)."""
    return ((message or {}).get("intent") or {}).get("name")


def entity_values(entities: Iterable[Mapping[str, Any]], label: str) -> List[str]:
    """The non-blank values of the entities with this label, in message order."""
    return [
        str(entity["value"])
        for entity in entities or []
        if isinstance(entity, Mapping)
        and entity.get("entity") == label
        and str(entity.get("value") or "").strip()
    ]


def first_entity(entities: Iterable[Mapping[str, Any]], label: str) -> Optional[str]:
    """The value of the first entity with this label, if any."""
    return next(iter(entity_values(entities, label)), None)


@dataclass(frozen=True)
class Said:
    """The latest user message: its text, intent and entities."""

    text: str
    intent: Optional[str] = None
    entities: Tuple[Mapping[str, Any], ...] = ()

    @classmethod
    def from_message(cls, message: Optional[Mapping[str, Any]]) -> "Said":
        message = message or {}
        entities = tuple(e for e in message.get("entities") or [] if isinstance(e, Mapping))
        return cls(
            text=str(message.get("text") or ""), intent=intent_name(message), entities=entities
        )

    def entity(self, label: str) -> Optional[str]:
        """The value of the first entity with this label, if any."""
        return first_entity(self.entities, label)
