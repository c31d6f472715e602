"""The stored rows of recent conversation sessions, kept between messages in the Rasa server.

Rasa rebuilds the tracker from the database at every message: all rows of the current
session are fetched and turned into ORM objects again, so a message at turn 400 costs
about 30 times one at turn 10 (bench/results/long-conversation-2026-12-03.md). Here the
rows' JSON text is kept per conversation, and each message fetches only the rows that
are new since, after checking that none of the kept rows was deleted (a privacy erase,
the retention job) and that no new session started. Anything else reads everything
again, so what the tracker store returns is what Rasa's own query would return.

Bounded by the characters kept (least recently used conversations go first), so many
long conversations cannot grow the Rasa server's memory without limit.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

# JSON characters kept for all conversations together (about this many bytes of text).
DEFAULT_BUDGET_CHARS = 16_000_000

Row = Tuple[int, str]  # (events.id, events.data)


@dataclass
class SessionRows:
    """One conversation's rows of its current session, in id order."""

    session_start: Optional[float]  # the session_started timestamp Rasa filters on, or None
    ids: List[int] = field(default_factory=list)
    data: List[str] = field(default_factory=list)
    chars: int = 0

    @property
    def last_id(self) -> int:
        return self.ids[-1]

    def extend(self, rows: Sequence[Row]) -> None:
        for row_id, text in rows:
            self.ids.append(row_id)
            self.data.append(text)
            self.chars += len(text)


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

    def drop(self, sender_id: str) -> None:
        entry = self._entries.pop(sender_id, None)
        if entry is not None:
            self._chars -= entry.chars
