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
from typing import Any, Iterable, List, Optional, Set, Tuple

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


def _continued(
    tracker: DialogueStateTracker,
) -> Optional[Tuple[List[Event], Set[str], List[Event]]]:
    """(the events added since, the forms named, a copy of the applied list) from the
    answer kept on ``tracker``, or None when the walk must start over."""
    events = tracker.events
    memo: Any = tracker.__dict__.get(_MEMO_ATTRIBUTE)
    if memo is None or memo[0] is not events or memo[1] > len(events):
        return None
    _, done, last, loop_names, kept = memo
    if done and events[done - 1] is not last:
        return None
    since = list(itertools.islice(events, done, len(events)))
    if not _loop_names(since) <= loop_names:
        return None
    return since, loop_names, list(kept)


def applied_events(self: DialogueStateTracker) -> List[Event]:
    """The events that apply (Rasa's answer), continued from the last one kept."""
    events = self.events
    continued = _continued(self)
    if continued is None:
        continued = list(events), _loop_names(events), []
    new, loop_names, applied = continued
    _walk(self, new, loop_names, applied)
    last = events[-1] if events else None
    self.__dict__[_MEMO_ATTRIBUTE] = (events, len(events), last, loop_names, applied)
    return list(applied)


def share_memo(source: DialogueStateTracker, twin: DialogueStateTracker) -> None:
    """Give ``twin``, which holds the same event objects as ``source``, the answer kept on
    ``source``, so that its first ask continues too."""
    memo: Any = source.__dict__.get(_MEMO_ATTRIBUTE)
    if memo is not None and memo[0] is source.events:
        twin.__dict__[_MEMO_ATTRIBUTE] = (twin.events,) + tuple(memo[1:])


_rasa_applied_events: Any = DialogueStateTracker.applied_events


def install() -> None:
    """Every tracker continues its applied events from the last answer."""
    DialogueStateTracker.applied_events = applied_events


def uninstall() -> None:
    """Rasa's own walk again (for tests and benchmarks that compare)."""
    DialogueStateTracker.applied_events = _rasa_applied_events
