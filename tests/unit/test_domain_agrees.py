"""domain.yml and the code name the same forms, slots, actions, intents and entities.

Rasa reads the forms, slots and actions from domain.yml; the action server knows them
from the code (actions/booking/slots.py, the Action classes, bot/intents.py). When the
two drift, Rasa fails at run time ("action not found", a slot it never asks), so this
test fails first.
"""

from __future__ import annotations

from typing import Any, Dict, Set

import yaml

from actions.booking.slots import (
    ALL_SLOTS,
    BOOKING,
    CALLBACK,
    CHANGE,
    CONFIRMED,
    MENTIONED_BODY_PART,
    MENTIONED_CONDITION,
)
from bot import intents
from bot.settings import PROJECT_ROOT
from tests.support.domain_actions import custom_action_classes, domain_action_names

DOMAIN: Dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
# Intents Rasa defines itself; domain.yml does not list them.
RASA_INTENTS = {intents.SESSION_START, intents.NLU_FALLBACK}


def _intent_names(entries: Any) -> Set[str]:
    """Intent names from domain.yml's list (plain names or ``{name: {options}}``)."""
    return {next(iter(e)) if isinstance(e, dict) else str(e) for e in entries}


def _constants(entities: bool) -> Set[str]:
    """bot/intents.py's entity names (``*_ENTITY``) or, else, its intent names."""
    return {
        value
        for name, value in vars(intents).items()
        if name.isupper()
        and isinstance(value, str)
        and not name.endswith("_PREFIX")  # a family of response names, checked below
        and name.endswith("_ENTITY") == entities
    }


def test_each_forms_questions_match_its_spec_in_the_code():
    forms = DOMAIN["forms"]
    assert set(forms) == {BOOKING.form, CALLBACK.form}
    for spec in (BOOKING, CALLBACK):
        # The domain lists every slot the form may ask; the code adds "which detail?"
        # only after "Change", then the summary.
        assert forms[spec.form]["required_slots"] == [*spec.questions, CHANGE, CONFIRMED]
        assert all(slot in ALL_SLOTS for slots in spec.changes.values() for slot in slots)


def test_the_request_slots_are_the_codes_slots():
    slots = DOMAIN["slots"]
    assert {name for name in slots if name.startswith("request_")} == set(ALL_SLOTS)
    assert {MENTIONED_CONDITION, MENTIONED_BODY_PART} <= set(slots)


def test_domain_actions_are_exactly_the_action_classes():
    names = domain_action_names(DOMAIN)
    assert len(names) == len(set(names))
    assert set(names) == set(custom_action_classes())


def test_every_intent_and_entity_the_code_names_is_declared():
    assert _constants(entities=False) - RASA_INTENTS <= _intent_names(DOMAIN["intents"])
    assert _constants(entities=True) <= set(DOMAIN["entities"])
    assert RASA_INTENTS.isdisjoint(_intent_names(DOMAIN["intents"]))


def test_every_urgent_reply_carries_the_prefix_that_puts_it_first():
    """bot/safety/urgent_first.py sends responses named with the prefix before anything
    else in a turn; an urgent reply named otherwise would come after the session notice."""
    from actions.safety import POSSIBLE_RESPONSE, SPANISH_RESPONSE, UNSURE_RESPONSE
    from bot.safety.catalog import get_red_flag_catalog

    urgent = {POSSIBLE_RESPONSE, SPANISH_RESPONSE, UNSURE_RESPONSE} | {
        severity.response for severity in get_red_flag_catalog().severities.values()
    }
    assert all(name.startswith(intents.RED_FLAG_RESPONSE_PREFIX) for name in urgent), urgent
