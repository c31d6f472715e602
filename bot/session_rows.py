"""Recent conversation sessions, kept between messages in the Rasa server: their stored rows
as parsed events, and the tracker built from them.

Rasa rebuilds the tracker from the database at every message: all rows of the current
session are fetched, parsed from JSON and replayed into a new tracker, so a message at
turn 500 costs several times one at turn 10 (the JSON alone was a third of a late turn:
bench/results/long-conversation-2026-12-05-before.md). Here each conversation keeps its
rows' ids, their events (parsed once) and the tracker handed out last. A message fetches
only the rows that are new since, after checking that none of the kept rows was deleted
(a privacy erase, the retention job) and that no new session started; anything else reads
everything again.

The kept tracker is handed out again only while it is exactly what the kept events build:
as many events, the last one the same object. A save that adds the tracker's new events to
the table adds them here too (bot/tracker_store.py). A turn that failed before its save,
a model with other slots, or rows from another server make a new tracker (the other
server's rows are applied to the kept one when it is untouched), so what the store returns
is always what Rasa's own query and replay would return (tests/unit/test_streaming_tracker_store.py
compares the two at every read).

Bounded by the characters of JSON kept for (least recently used conversations go first),
so many long conversations cannot grow the Rasa server's memory without limit.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, List, Optional, Sequence, Tuple

from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker

# JSON characters the kept conversations stood for in the table, all together. Parsed events
# take about 5 times their JSON's size in memory (measured on typical rows: 827,180 characters
# of JSON, 4.19 MB parsed), so this is about 20 MB: what the JSON text alone took at 16 M.
# About 140 ten-turn conversations; one not kept is read from the table as Rasa does.
DEFAULT_BUDGET_CHARS = 4_000_000

# (events.id, the row's event or None when Rasa could not read it, len(events.data))
Row = Tuple[int, Optional[Event], int]


@dataclass
class SessionRows:
    """One conversation's rows of its current session, in id order, and its tracker."""

    session_start: Optional[float]  # the session_started timestamp Rasa filters on, or None
    ids: List[int] = field(default_factory=list)
    events: List[Event] = field(default_factory=list)
    chars: int = 0
    # The conversation's rows (every session) with an id up to the last kept one.
    through_last: int = 0
    # The tracker handed out last, built from events[:applied], and the domain it was for.
    tracker: Optional[DialogueStateTracker] = None
    applied: int = 0
    domain: Any = None

    @property
    def last_id(self) -> int:
        return self.ids[-1]

    def extend(self, rows: Sequence[Row]) -> None:
        for row_id, event, chars in rows:
            self.ids.append(row_id)
            if event is not None:
                self.events.append(event)
            self.chars += chars
            self.through_last += 1

    def tracker_for(self, sender_id: str, domain: Any) -> DialogueStateTracker:
        """The tracker of these events: the kept one brought up to date while nothing else
        changed it, otherwise one built from every event (Rasa's ``from_dict`` replay)."""
        tracker = self.tracker
        if tracker is not None and self.domain is domain and self._untouched(tracker):
            for event in self.events[self.applied :]:
                tracker.update(event)
        else:
            tracker = DialogueStateTracker.from_events(sender_id, self.events, domain.slots)
        self.tracker, self.applied, self.domain = tracker, len(self.events), domain
        return tracker

    def saved(self, tracker: DialogueStateTracker, stored: int, rows: Sequence[Row]) -> None:
        """Record a save of ``tracker`` that found ``stored`` rows and added ``rows``.

        Kept only when the saved tracker is the one handed out, grown from every kept event
        by exactly these rows; otherwise the tracker is let go (the rows stay, the next read
        adds the new ones)."""
        grown = (
            len(tracker.events) == stored + len(rows)
            and len(self.ids) == len(self.events) == self.applied == stored
            and self._starts_with_ours(tracker)
            and tracker is self.tracker
        )
        if not grown:
            self.tracker = None
            return
        self.extend(rows)
        self.applied = len(self.events)

    def starts_over(self, type_name: str, timestamp: float) -> bool:
        """Whether Rasa's query would not read a new row as part of this session: it starts
        a new one, or it is dated before the session began."""
        if type_name == SessionStarted.type_name:
            return True
        return self.session_start is not None and timestamp < self.session_start

    def _untouched(self, tracker: DialogueStateTracker) -> bool:
        """Whether ``tracker`` still holds exactly the events it was given from here."""
        return len(tracker.events) == self.applied and self._starts_with_ours(tracker)

    def _starts_with_ours(self, tracker: DialogueStateTracker) -> bool:
        """Whether the first ``applied`` events of ``tracker`` end with the same object as
        the ones it was given from here (a tracker only ever appends)."""
        return not self.applied or tracker.events[self.applied - 1] is self.events[self.applied - 1]


class SessionRowsCache:
    """Least recently used conversations' rows, within a budget of characters."""

    def __init__(self, budget_chars: int = DEFAULT_BUDGET_CHARS) -> None:
        self.budget_chars = budget_chars
        self._entries: "OrderedDict[str, SessionRows]" = OrderedDict()
        self._chars = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def chars(self) -> int:
        return self._chars

    def get(self, sender_id: str) -> Optional[SessionRows]:
        entry = self._entries.get(sender_id)
        if entry is not None:
            self._entries.move_to_end(sender_id)
        return entry

    def put(self, sender_id: str, entry: SessionRows) -> None:
        """Keep ``entry`` (replacing what was kept), then drop the oldest over budget.

        A conversation bigger than the whole budget is not kept at all."""
        self.drop(sender_id)
        if not entry.ids or entry.chars > self.budget_chars:
            return
        self._entries[sender_id] = entry
        self._chars += entry.chars
        while self._chars > self.budget_chars:
            _, oldest = self._entries.popitem(last=False)
            self._chars -= oldest.chars

    def grow(self, sender_id: str, entry: SessionRows, rows: Sequence[Row]) -> None:
        """Add new rows to a kept entry (and keep the budget)."""
        self.drop(sender_id)
        entry.extend(rows)
        self.put(sender_id, entry)

    def saved(
        self, sender_id: str, tracker: DialogueStateTracker, stored: int, rows: Sequence[Row]
    ) -> None:
        """A save of ``tracker`` added ``rows`` after ``stored`` earlier ones (see
        ``SessionRows.saved``), within the budget."""
        entry = self._entries.get(sender_id)
        if entry is None:
            return
        self.drop(sender_id)
        for _, event, _ in rows:
            if event is None or entry.starts_over(event.type_name, event.timestamp):
                return  # the next read starts the session again
        entry.saved(tracker, stored, rows)
        self.put(sender_id, entry)

    def drop(self, sender_id: str) -> None:
        entry = self._entries.pop(sender_id, None)
        if entry is not None:
            self._chars -= entry.chars
