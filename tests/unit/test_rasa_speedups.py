"""The action reply check with its validator built once judges replies exactly as Rasa's
own ``jsonschema.validate`` call does: same verdicts, same error, same hint."""

from __future__ import annotations

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from bot import rasa_speedups
from bot.rasa_speedups import validate_action_result
from bot.settings import PROJECT_ROOT

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


def _rasa_resolution(type_name: str):
    """Rasa's own loop in Event.resolve_by_type: the first concrete subclass with the name."""
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    return next((c for c in all_subclasses(Event) if c.type_name == type_name), None)


def test_event_types_resolve_to_the_class_rasas_own_loop_finds():
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    names = {cls.type_name for cls in all_subclasses(Event)}
    assert {"user", "bot", "action", "slot", "session_started", "active_loop"} <= names
    for name in names:
        assert rasa_speedups.resolve_event_type(name) is _rasa_resolution(name), name


def test_unknown_event_types_behave_as_in_rasa():
    from rasa.shared.core.events import UserUttered

    assert rasa_speedups.resolve_event_type("topic") is None
    assert rasa_speedups.resolve_event_type("no_such_event", UserUttered) is UserUttered
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        rasa_speedups.resolve_event_type("no_such_event")


def test_an_event_class_defined_after_the_table_is_found():
    from rasa.shared.core.events import Restarted

    rasa_speedups.resolve_event_type("user")  # the table exists now

    class LateEvent(Restarted):
        type_name = "pit_test_late_event"

    assert rasa_speedups.resolve_event_type("pit_test_late_event") is LateEvent


def test_stored_events_read_back_the_same_once_installed():
    from rasa.shared.core.events import (
        ActionExecuted,
        ActiveLoop,
        BotUttered,
        Event,
        SessionStarted,
        SlotSet,
        UserUttered,
    )

    events = [
        SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered("hi", {"name": "greet", "confidence": 0.9}),
        SlotSet("clinic_phone", "+1 555"),
        ActiveLoop("booking_form"),
        BotUttered("hello", {"buttons": None}),
    ]
    rasa_speedups.install()
    assert Event.resolve_by_type("slot") is SlotSet
    again = [Event.from_parameters(e.as_dict()) for e in events]
    assert again == events


@pytest.mark.parametrize(
    "switch, schema, rest", [("0", False, False), ("schema", True, False), ("", True, True)]
)
def test_the_benchmark_switch_installs_what_it_names(switch, schema, rest):
    """bench/per_message_bench.py measures each saving alone through PIT_RASA_SPEEDUPS."""
    import os
    import subprocess
    import sys

    check = (
        "from bot import rasa_speedups as s; s.install();"
        "from rasa.core.actions.action import RemoteAction;"
        "from rasa.shared.core.events import Event;"
        "from rasa.utils.tensorflow.models import RasaModel;"
        "print(RemoteAction._validate_action_result is s.validate_action_result,"
        " Event.resolve_by_type is s.resolve_event_type,"
        " RasaModel.load.__func__ is s.load_for_prediction)"
    )
    env = {**os.environ, rasa_speedups.SWITCH_ENV: switch}
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, env=env)
    assert done.stdout.split() == [str(schema), str(rest), str(rest)], done.stderr[-2000:]


def test_rasa_and_the_red_flag_checker_share_one_spacy_pipeline(monkeypatch):
    """SpacyNLP gets the process's one copy of build/spacy_pit (about 20 MiB less)."""
    from rasa.nlu.model import InvalidModelError
    from rasa.nlu.utils.spacy_utils import SpacyNLP

    from bot.nlp.pipeline import shared_nlp
    from bot.nlp.pipeline_state import PIPELINE_DIR
    from bot.safety.red_flags import default_nlp

    monkeypatch.chdir(PROJECT_ROOT)  # config.yml names it relative to the project
    rasa_speedups.install()
    relative = str(PIPELINE_DIR.relative_to(PROJECT_ROOT))
    for name in (str(PIPELINE_DIR), relative):
        loaded = SpacyNLP.load_model(name)
        assert loaded.model is shared_nlp() is default_nlp()
        assert loaded.model_name == name
    doc = loaded.model("my tennis elbow hurts")
    assert [t.lemma_ for t in doc][-1] == "hurt"
    with pytest.raises(InvalidModelError):  # other names: Rasa's own loader and errors
        SpacyNLP.load_model("no_such_spacy_model")


def test_a_model_loaded_after_the_pipeline_changed_gets_the_new_one(monkeypatch):
    """A model swapped in after a catalog change must not run on the old pipeline."""
    from bot.nlp import pipeline

    first = pipeline.refresh_shared_nlp()
    assert pipeline.refresh_shared_nlp() is first is pipeline.shared_nlp()  # unchanged
    saved = pipeline._saved_fingerprint()
    monkeypatch.setattr(pipeline, "_saved_fingerprint", lambda path=None: saved + "-rebuilt")
    second = pipeline.refresh_shared_nlp()
    assert second is not first and pipeline.shared_nlp() is second
    assert [t.lemma_ for t in second("my knees hurt")] == [t.lemma_ for t in first("my knees hurt")]
