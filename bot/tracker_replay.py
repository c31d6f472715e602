"""Tracker replays continued from a kept one, instead of done again from the first event.

Rasa 3.6 rebuilds a tracker's state by replaying its events into a new tracker: each action
run takes ``tracker.copy()`` (``MessageProcessor._run_action``, and the form's validation),
and the rule policy's states (bot/rule_window.py) replay every applied event to reach the
turns its rules can see. At turn 500 those replays were a fifth of a late turn once the
tracker was kept between messages (bench/results/long-conversation-2026-12-05-kept-rows-counted.md).

A replay only appends: the state after the first N events does not change when events are
added. So a replay is kept (on the tracker it came from, which the tracker store keeps
between messages), advanced by the events added since, and what is handed out is a clone of
its state: the same events, copies of the slots, of the last action and of the active loop,
the same event objects for the last messages. The kept replay is never handed out, and the
live tracker is never cloned (the processor changes its ``followup_action`` without an event,
which a replay would not). A kept replay is used only while the events it consumed are the
same objects in the same place; otherwise the replay starts over, as Rasa's does.
tests/unit/test_tracker_replay.py compares every clone with Rasa's ``copy()`` after every
event of long random conversations, and after changing the clone.
"""

from __future__ import annotations

import copy
import itertools
import operator
import time
from typing import Any, Callable, Iterable, List, Optional, Sequence, Tuple

from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

from bot import applied_events

# Kept on the tracker that was copied: (the events its replay consumed, the replay).
_COPY_ATTRIBUTE = "_pit_copy_replay"

Kept = Tuple[List[Event], DialogueStateTracker]


def clone(replay: DialogueStateTracker) -> DialogueStateTracker:
    """A tracker in ``replay``'s state that shares nothing it could change with it."""
    twin = replay.init_copy()
    twin.events = twin._create_events(list(replay.events))
    twin.slots = {name: copy.copy(slot) for name, slot in replay.slots.items()}
    twin._paused = replay._paused
    twin.followup_action = replay.followup_action
    twin.latest_action = copy.copy(replay.latest_action)
    twin.latest_message = _shared_or_copied(replay.latest_message, replay.events)
    twin.latest_bot_utterance = _shared_or_copied(replay.latest_bot_utterance, replay.events)
    twin.active_loop = copy.deepcopy(replay.active_loop)
    twin.model_id = replay.model_id
    twin.assistant_id = replay.assistant_id
    return twin


def _shared_or_copied(message: Any, events: Sequence[Event]) -> Any:
    """The message itself when it is one of the events (a replay points at the event), else
    a copy dated now: the empty placeholder a reset leaves is each tracker's own, made when
    its replay reset it. Searched from the end, where the latest message is."""
    if any(map(operator.is_, reversed(events), itertools.repeat(message))):
        return message
    placeholder = copy.copy(message)
    placeholder.timestamp = time.time()
    return placeholder


def advanced(
    kept: Optional[Kept],
    events: Iterable[Event],
    upto: int,
    start: Callable[[], DialogueStateTracker],
) -> Kept:
    """A replay of the first ``upto`` of ``events``: the kept one advanced when it consumed
    the same objects as the start of ``events`` (compared one by one), otherwise a new one
    from ``start()``, an empty copy."""
    if kept is not None:
        consumed, replay = kept
        done = len(consumed)
        if done <= upto and all(map(operator.is_, itertools.islice(events, done), consumed)):
            new = list(itertools.islice(events, done, upto))
            for event in new:
                replay.update(event)
            consumed.extend(new)
            return consumed, replay
    replay = start()
    consumed = list(itertools.islice(events, upto))
    for event in consumed:
        replay.update(event)
    return consumed, replay


def copy_tracker(self: DialogueStateTracker) -> DialogueStateTracker:
    """``DialogueStateTracker.copy`` (a replay of every event) from the kept replay."""
    kept = advanced(
        self.__dict__.get(_COPY_ATTRIBUTE), self.events, len(self.events), self.init_copy
    )
    self.__dict__[_COPY_ATTRIBUTE] = kept
    twin = clone(kept[1])
    applied_events.share_memo(self, twin)
    return twin


_rasa_copy: Any = DialogueStateTracker.copy


def install() -> None:
    """Every tracker's ``copy()`` continues from its kept replay."""
    DialogueStateTracker.copy = copy_tracker


def uninstall() -> None:
    """Rasa's own replay again (for tests and benchmarks that compare)."""
    DialogueStateTracker.copy = _rasa_copy
