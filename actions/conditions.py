"""Pick the condition-aware reply for a message that names a condition or body part.

Pure logic (no Rasa objects) so it is easy to test: given the entities of a message,
say which response to send and with which values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Iterable, Mapping, Optional

from actions.message import first_entity
from bot import intents
from bot.nlp.catalog import Catalog, get_catalog
from bot.nlp.pipeline import entity_key

# FAQ topics whose question is "would PIT help with X?": for these a named
# condition changes the answer.
CONDITION_TOPICS = frozenset(
    {"condition_help", "conditions_treated", "success_rate", "is_it_a_cure"}
)


@dataclass(frozen=True)
class Reply:
    response: str
    values: Dict[str, str]


def condition_reply(
    entities: Iterable[Mapping[str, Any]], catalog: Optional[Catalog] = None
) -> Optional[Reply]:
    """The reply about the condition (or else body part) the message names, if any."""
    catalog = catalog or get_catalog()
    entities = list(entities)
    named = first_entity(entities, intents.CONDITION_ENTITY)
    if named:
        condition = catalog.find_condition(named) or catalog.conditions.get(
            entity_key(named, intents.CONDITION_ENTITY) or ""
        )
        if condition and condition.listed:
            return Reply("utter_condition_listed", {"condition_says": condition.says})
        label = condition.label if condition else named.strip().lower()
        return Reply("utter_condition_not_listed", {"condition_label": label})
    part = first_entity(entities, intents.BODY_PART_ENTITY)
    if part:
        key = (
            catalog.find_body_part(part)
            or entity_key(part, intents.BODY_PART_ENTITY)
            or part.strip().lower()
        )
        return Reply("utter_body_part", {"body_part_label": key.replace("_", " ")})
    return None
