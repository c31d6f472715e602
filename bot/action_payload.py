"""What the Rasa server sends the action server for an action: the current turn, unless the
action reads the conversation before it.

Rasa 3.6 sends every event of the session with every action call, each user message with
its whole parse (intent ranking, the response selector's ranking with every candidate
answer's text). At turn 500 that is megabytes of JSON written by the Rasa server and read by
the action server for each call, and it was the largest cost of a late turn in the 500-turn
profile (bench/results/long-conversation-2026-12-03.md). Most actions read only the latest
message, the slots and the events of the current turn (what a form's validation adds), so
they get the events from the latest user message on. The few whose code reads earlier
events get the whole session, as before: :data:`SESSION_HISTORY_ACTIONS`; the forms'
validation only while the form starts, the one time it reads them (a form answered over
many turns, with questions in between, no longer sends the session at each one).
tests/unit/test_action_payload.py checks that every action whose code reads
``tracker.events`` is listed there.

Everything else in the request is Rasa's own (``tracker.current_state``: slots, latest
message, active loop, latest action, followup action), and the domain goes only to the
actions domain.yml marks ``send_domain: true`` (``enable_selective_domain`` in endpoints.yml).
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.shared.core.constants import REQUESTED_SLOT
from rasa.shared.core.events import Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

# Actions whose code reads the session's earlier events (rasa_sdk's ``tracker.events``):
# - the forms' validation fills details the patient typed before accepting the details
#   offer (actions/booking/prefill.py);
# - the submit actions find when the form started, so that a resent confirmation is the
#   same request (actions/booking/submit.py);
# - the session start shows the disclosure once per session (actions/session.py).
SESSION_HISTORY_ACTIONS = frozenset(
    {
        "validate_booking_form",
        "validate_callback_form",
        "action_submit_booking",
        "action_submit_callback",
        "action_session_start",
    }
)


# The forms' validation reads earlier messages only as a form starts (nothing asked yet:
# ``requested_slot`` empty), to fill in the details the patient typed before accepting the
# details offer (``RequestFormValidation._answer`` in actions/booking/validate.py).
FORM_VALIDATION_ACTIONS = frozenset({"validate_booking_form", "validate_callback_form"})


def needs_session(action_name: Text, tracker: DialogueStateTracker) -> bool:
    """Whether ``action_name``'s code may read this session's earlier events now."""
    if action_name in FORM_VALIDATION_ACTIONS:
        return tracker.get_slot(REQUESTED_SLOT) is None
    return action_name in SESSION_HISTORY_ACTIONS


def events_for_action(action_name: Text, tracker: DialogueStateTracker) -> List[Event]:
    """The events ``action_name`` is sent: the session's when :func:`needs_session`,
    otherwise those from the latest user message on (all of them before the first)."""
    if needs_session(action_name, tracker):
        return list(tracker.events)
    turn: List[Event] = []
    for event in reversed(tracker.events):
        turn.append(event)
        if isinstance(event, UserUttered):
            turn.reverse()
            return turn
    return list(tracker.events)


def tracker_state_for_action(action_name: Text, tracker: DialogueStateTracker) -> Dict[Text, Any]:
    """``tracker.current_state(EventVerbosity.ALL)`` with the events ``action_name`` needs."""
    state = tracker.current_state(EventVerbosity.NONE)
    state["events"] = [event.as_dict() for event in events_for_action(action_name, tracker)]
    return state


def action_call_format(self: Any, tracker: DialogueStateTracker, domain: Any) -> Dict[Text, Any]:
    """``RemoteAction._action_call_format`` with :func:`tracker_state_for_action`."""
    import rasa

    result = {
        "next_action": self._name,
        "sender_id": tracker.sender_id,
        "tracker": tracker_state_for_action(self._name, tracker),
        "version": rasa.__version__,
    }
    if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(
        self.name()
    ):
        result["domain"] = domain.as_dict()
    return result


def install() -> None:
    """Make every remote action call send :func:`tracker_state_for_action`."""
    from rasa.core.actions.action import RemoteAction

    RemoteAction._action_call_format = action_call_format
