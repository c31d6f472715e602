"""What an action call carries (bot/action_payload.py): the current turn for most actions,
the session for those whose code reads earlier events, and the domain only where asked."""

from __future__ import annotations

import inspect
import json
from typing import Any, Dict, List, Optional, Tuple, Type

import pytest
import yaml
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.utils.endpoints import EndpointConfig
from rasa_sdk import Action
from rasa_sdk import Tracker as SdkTracker
from rasa_sdk.executor import CollectingDispatcher

from actions.booking.validate import ValidateBookingForm, ValidateCallbackForm
from bot import action_payload
from bot.action_payload import (
    FORM_VALIDATION_ACTIONS,
    SESSION_HISTORY_ACTIONS,
    events_for_action,
    tracker_state_for_action,
)
from bot.action_server import SELECTIVE_DOMAIN_KEY, endpoint_config
from bot.settings import PROJECT_ROOT
from tests.support.domain_actions import custom_action_classes

DOMAIN_FILE = PROJECT_ROOT / "domain.yml"


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(DOMAIN_FILE))


def conversation(domain: Domain) -> DialogueStateTracker:
    tracker = DialogueStateTracker("payload", domain.slots)
    events = [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered("hello", {"name": "greet", "confidence": 1.0}),
        BotUttered("Hi!"),
        ActionExecuted("action_listen"),
        UserUttered("Sam Lee, sam@example.org", {"name": "book_consultation", "confidence": 0.9}),
        ActionExecuted("action_book_consultation"),
        BotUttered("Shall I send your details?"),
        ActionExecuted("action_listen"),
        UserUttered("yes", {"name": "affirm", "confidence": 0.99}),
        ActionExecuted("booking_form"),
        ActiveLoop("booking_form"),
        SlotSet("request_name", "Sam Lee"),
    ]
    for event in events:
        tracker.update(event)
    return tracker


def test_most_actions_get_the_turn_from_the_latest_user_message(domain: Domain):
    tracker = conversation(domain)
    sent = events_for_action("action_answer_faq", tracker)
    assert [type(e).__name__ for e in sent] == [
        "UserUttered",
        "ActionExecuted",
        "ActiveLoop",
        "SlotSet",
    ]
    assert sent[0].text == "yes"


def test_actions_that_read_history_get_the_whole_session(domain: Domain):
    tracker = conversation(domain)
    for name in SESSION_HISTORY_ACTIONS:
        assert events_for_action(name, tracker) == list(tracker.events)


def test_the_forms_validation_gets_the_session_only_as_the_form_starts(domain: Domain):
    tracker = conversation(domain)
    tracker.update(SlotSet("requested_slot", "request_contact"))
    for name in FORM_VALIDATION_ACTIONS:
        assert events_for_action(name, tracker)[0].text == "yes"
    for name in SESSION_HISTORY_ACTIONS - FORM_VALIDATION_ACTIONS:
        assert events_for_action(name, tracker) == list(tracker.events)


async def run_validation(state: Dict, action: Any) -> Tuple[List[Dict], List[Dict]]:
    dispatcher = CollectingDispatcher()
    domain_dict = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))
    events = await action.run(dispatcher, SdkTracker.from_dict(state), domain_dict)
    return events, dispatcher.messages


@pytest.mark.parametrize("action", [ValidateBookingForm(), ValidateCallbackForm()])
@pytest.mark.parametrize("asked", [None, "request_name", "request_contact", "request_phone"])
async def test_the_validation_answers_the_same_with_the_turn_as_with_the_session(
    domain: Domain, action: Any, asked: Optional[str]
):
    """With details typed earlier in the session (the case where the session matters), the
    real validation action does the same with what it is sent as with every event."""
    form = action.form_name()
    tracker = DialogueStateTracker("payload", domain.slots)
    for event in (
        ActionExecuted("action_listen"),
        UserUttered(
            "I'm Sam Lee, 202 555 0188, sam@example.org", {"name": "faq", "confidence": 0.6}
        ),
        ActionExecuted("action_answer_faq"),
        BotUttered(
            "Shall I send your details?",
            {"buttons": [{"title": "Yes, send my details", "payload": "/affirm"}]},
        ),
        ActionExecuted("action_listen"),
        UserUttered("yes", {"name": "affirm", "confidence": 0.99}),
        ActionExecuted(form),
        ActiveLoop(form),
        SlotSet("requested_slot", asked),
        ActionExecuted("action_listen"),
        UserUttered("Sam Lee", {"name": "nlu_fallback", "confidence": 0.3}),
    ):
        tracker.update(event)
    ours = await run_validation(tracker_state_for_action(action.name(), tracker), action)
    everything = await run_validation(tracker.current_state(EventVerbosity.ALL), action)
    assert ours == everything


def test_before_the_first_message_every_event_is_sent(domain: Domain):
    tracker = DialogueStateTracker("new", domain.slots)
    for event in (
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
    ):
        tracker.update(event)
    assert events_for_action("action_answer_faq", tracker) == list(tracker.events)


def test_the_rest_of_the_state_is_rasas_own(domain: Domain):
    tracker = conversation(domain)
    ours = tracker_state_for_action("action_answer_faq", tracker)
    rasas = tracker.current_state(EventVerbosity.ALL)
    assert {k: v for k, v in ours.items() if k != "events"} == {
        k: v for k, v in rasas.items() if k != "events"
    }
    assert ours["events"] == rasas["events"][-4:]
    assert ours["latest_message"]["text"] == "yes"
    assert ours["slots"]["request_name"] == "Sam Lee"
    assert ours["active_loop"]["name"] == "booking_form"
    json.dumps(ours)


def remote_call(name: str, domain: Domain, tracker: DialogueStateTracker, selective: bool) -> Dict:
    config = endpoint_config("http://127.0.0.1:1/webhook")
    config[SELECTIVE_DOMAIN_KEY] = selective
    endpoint = EndpointConfig(**config)
    return action_payload.action_call_format(RemoteAction(name, endpoint), tracker, domain)


def test_the_domain_goes_only_to_actions_that_ask_for_it(domain: Domain):
    tracker = conversation(domain)
    assert "domain" not in remote_call("action_answer_faq", domain, tracker, selective=True)
    assert "domain" in remote_call("validate_booking_form", domain, tracker, selective=True)
    assert "domain" in remote_call("validate_callback_form", domain, tracker, selective=True)
    # Without enable_selective_domain (Rasa's default) every action gets it, as in Rasa.
    assert "domain" in remote_call("action_answer_faq", domain, tracker, selective=False)
    call = remote_call("action_answer_faq", domain, tracker, selective=True)
    assert call["next_action"] == "action_answer_faq" and call["sender_id"] == "payload"


def test_every_shipped_endpoints_file_enables_the_selective_domain():
    assert endpoint_config("http://x/webhook")[SELECTIVE_DOMAIN_KEY] is True
    for path in (
        PROJECT_ROOT / "endpoints.yml",
        PROJECT_ROOT / "deploy" / "endpoints.several-servers.yml",
    ):
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert config["action_endpoint"][SELECTIVE_DOMAIN_KEY] is True, path


def reads_history(cls: Type[Action]) -> bool:
    """Whether the class or one of our base classes reads ``tracker.events``."""
    ours = [k for k in inspect.getmro(cls) if k.__module__.startswith("actions.")]
    return any("tracker.events" in inspect.getsource(k) for k in ours)


def test_every_action_that_reads_earlier_events_gets_the_session(domain: Domain):
    names = custom_action_classes()
    # Every action of the domain is found here, so none is missed by the check below.
    custom = {a for a in domain.user_actions if not a.startswith("utter_")}
    assert custom <= set(names), custom - set(names)
    readers = {name for name, cls in names.items() if reads_history(cls)}
    assert readers, "the check found no action reading tracker.events: it checks nothing"
    # Exactly those: an action listed without reading history only costs time.
    assert readers == SESSION_HISTORY_ACTIONS, readers ^ SESSION_HISTORY_ACTIONS
    # The forms' validation reads the form's slots from the domain: domain.yml sends it.
    for name in ("validate_booking_form", "validate_callback_form"):
        assert domain.does_custom_action_explicitly_need_domain(name)
