"""``DialogueStateTracker.applied_events`` that continues from its last answer.

Rasa 3.6 walks every event of the conversation to find the ones that still apply (undoing
reverted turns and a form's own repeated steps) each time it is asked, and it is asked
several times per message: by the session check, the rule policy's states and each form
step. At turn 500 that walk was about a third of the Rasa server's time once the tracker
was kept between messages (bench/results/long-conversation-2026-12-05-kept-tracker.md).

A tracker only ever appends events, and Rasa's walk handles each event from the list it
has built so far and the set of forms named anywhere in the conversation. So the list for
the first N events, kept on the tracker, is continued with the events added since, by the
same steps, as long as the first N are the same objects and no new event names a form not
seen before (that changes how earlier events count, so the walk starts over). The answer
is a new list each time, as Rasa's is. tests/unit/test_applied_events.py compares it with
Rasa's own after every event of long random conversations with reverts, restarts and forms.
"""

from __future__ import annotations

import itertools
from typing import Any, Iterable, List, Set

from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

# Kept on the tracker: (its events deque, how many were walked, the last of them, the
# forms named in them, the applied list so far).
_MEMO_ATTRIBUTE = "_pit_applied_events"


def _loop_names(events: Iterable[Event]) -> Set[str]:
    return {event.name for event in events if isinstance(event, ActiveLoop) and event.name}


def _walk(
    tracker: DialogueStateTracker,
    events: Iterable[Event],
    loop_names: Set[str],
    applied: List[Event],
) -> None:
    """Rasa's loop body (``DialogueStateTracker.applied_events``), continuing ``applied``."""
    for event in events:
        if isinstance(event, (Restarted, SessionStarted)):
            applied.clear()
        elif isinstance(event, ActionReverted):
            tracker._undo_till_previous(ActionExecuted, applied)
        elif isinstance(event, UserUtteranceReverted):
            tracker._undo_till_previous(UserUttered, applied)
            tracker._undo_till_previous(ActionExecuted, applied)
        elif (
            isinstance(event, ActionExecuted)
            and event.action_name in loop_names
            and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)
        ):
            tracker._undo_till_previous_loop_execution(event.action_name, applied)
        else:
            applied.append(event)


def applied_events(self: DialogueStateTracker) -> List[Event]:
    """The events that apply (Rasa's answer), continued from the last one kept."""
    events = self.events
    count = len(events)
    memo: Any = self.__dict__.get(_MEMO_ATTRIBUTE)
    applied: List[Event]
    if memo is not None and memo[0] is events and memo[1] <= count:
        _, done, last, loop_names, kept = memo
        if done == 0 or events[done - 1] is last:
            new = list(itertools.islice(events, done, count))
            if _loop_names(new) <= loop_names:
                applied = list(kept)
                _walk(self, new, loop_names, applied)
                self.__dict__[_MEMO_ATTRIBUTE] = (
                    events,
                    count,
                    events[-1] if count else None,
                    loop_names,
                    applied,
                )
                return list(applied)
    loop_names = _loop_names(events)
    applied = []
    _walk(self, events, loop_names, applied)
    self.__dict__[_MEMO_ATTRIBUTE] = (
        events,
        count,
        events[-1] if count else None,
        loop_names,
        applied,
    )
    return list(applied)


_rasa_applied_events: Any = DialogueStateTracker.applied_events


def install() -> None:
    """Every tracker continues its applied events from the last answer."""
    DialogueStateTracker.applied_events = applied_events


def uninstall() -> None:
    """Rasa's own walk again (for tests and benchmarks that compare)."""
    DialogueStateTracker.applied_events = _rasa_applied_events
