"""The action reply check with its validator built once judges replies exactly as Rasa's
own ``jsonschema.validate`` call does: same verdicts, same error, same hint."""

from __future__ import annotations

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from bot import rasa_speedups
from bot.rasa_speedups import validate_action_result

GOOD = [
    {},
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "city", "value": "Austin", "timestamp": None}]},
    {"events": [{"event": "followup", "name": "action_x"}], "responses": [{"text": "hi"}]},
    {"responses": [{"text": "a", "buttons": [{"title": "b", "payload": "/c"}]}]},
]
BAD = [
    {"events": "not a list"},
    {"events": [{"event": "slot"}]},  # a slot event needs its name
    {"events": [{"event": "no_such_event"}]},
    {"responses": ["a bare string"]},
    {"events": [{"event": "slot", "name": 3}]},
]


def _rasa_verdict(result: dict) -> "str | None":
    try:
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
        return None
    except jsonschema.ValidationError as error:
        return error.message


@pytest.mark.parametrize("result", GOOD)
def test_valid_replies_pass_as_before(result):
    assert _rasa_verdict(result) is None
    assert validate_action_result(None, result) is True


@pytest.mark.parametrize("result", BAD)
def test_invalid_replies_fail_with_rasas_error_and_hint(result):
    expected = _rasa_verdict(result)
    assert expected is not None
    with pytest.raises(jsonschema.ValidationError) as raised:
        validate_action_result(None, result)
    assert raised.value.message.startswith(expected)
    assert "Failed to validate Action server response" in raised.value.message


def test_installing_replaces_rasas_check_once():
    rasa_speedups.install()
    rasa_speedups.install()
    assert RemoteAction._validate_action_result is validate_action_result
