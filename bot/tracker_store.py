"""Rasa's SQL tracker store without reading the conversation twice per message.

Rasa 3.6's ``SQLTrackerStore.save`` first calls ``stream_events``, which loads the whole
current session from the database again and diffs it with the tracker in hand, only to
learn which events are new for the event broker; then it counts the stored events to
learn the same thing for its INSERTs. The reload grows with the conversation (a
500-turn session is reread and parsed from JSON at every message) and was a quarter of
the Rasa server's CPU in the profile (bench/results/profile-2026-12-02.md). Here the new
events are found once, by the count, and the same list goes to the broker and the table.

Reading is incremental too: each recent session's rows are kept between messages as parsed
events with the tracker built from them (bot/session_rows.py). A message fetches only the
rows added since and hands out the kept tracker while nothing else changed it, so the JSON
and the replay of a long conversation are not done again at every message.

Same table, same rows, same events to the broker, in the same order: anything that reads
Rasa's ``events`` table (the studio inbox import, privacy export and erase) is unchanged.
``endpoints.yml`` names it as ``type: bot.tracker_store.StreamingSQLTrackerStore``.
"""

from __future__ import annotations

import itertools
import json
import logging
from typing import Any, List, Optional, Sequence, Text

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted, deserialise_events
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.session_rows import DEFAULT_BUDGET_CHARS, Row, SessionRows, SessionRowsCache

logger = logging.getLogger(__name__)

CLASS_PATH = "bot.tracker_store.StreamingSQLTrackerStore"


class StreamingSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` whose save finds the new events once, for the broker and the table,
    and whose retrieve reads only the rows added since the last message."""

    def __init__(self, *args: Any, cached_chars: int = DEFAULT_BUDGET_CHARS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # endpoints.yml may set `cached_chars` (0 keeps nothing between messages).
        self.session_rows = SessionRowsCache(int(cached_chars))

    async def _retrieve(
        self, sender_id: Text, fetch_events_from_all_sessions: bool
    ) -> Optional[DialogueStateTracker]:
        """Rasa's ``_retrieve``; the current session comes from ``_session_entry``, its
        tracker from the kept one when nothing changed it (bot/session_rows.py)."""
        if fetch_events_from_all_sessions:
            return await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        with self.session_scope() as session:
            entry = self._session_entry(session, sender_id)
        if self.domain and entry.ids:
            return entry.tracker_for(sender_id, self.domain)
        return None

    def _session_entry(self, session: Any, sender_id: Text) -> SessionRows:
        """The current session's rows, in order: the kept rows and the new ones when the
        kept rows are all still there, otherwise all of them again."""
        entry = self.session_rows.get(sender_id)
        if entry is not None:
            new_rows = self._rows_since(session, sender_id, entry)
            if new_rows is not None:
                self.session_rows.grow(sender_id, entry, new_rows)
                return entry
        entry = self._read_session(session, sender_id)
        self.session_rows.put(sender_id, entry)
        return entry

    def _row_columns(self) -> Sequence[Any]:
        """The columns both reads fetch: no ORM objects, only what the cache keeps."""
        table = self.SQLEvent
        return (table.id, table.type_name, table.timestamp, table.data)

    def _read_session(self, session: Any, sender_id: Text) -> SessionRows:
        """All rows of the current session, by Rasa's own query (``_event_query``)."""
        rows = (
            self._event_query(session, sender_id, fetch_events_from_all_sessions=False)
            .with_entities(*self._row_columns())
            .all()
        )
        starts = [r.timestamp for r in rows if r.type_name == SessionStarted.type_name]
        entry = SessionRows(session_start=max(starts) if starts else None)
        entry.extend(_parsed(rows))
        if entry.ids:
            entry.through_last = self._count_through(session, sender_id, entry.last_id)
        return entry

    def _count_through(self, session: Any, sender_id: Text, last_id: int) -> int:
        """The conversation's rows up to ``last_id``, of every session: the index on the
        sender and the id answer it, without reading the rows."""
        table = self.SQLEvent
        return int(
            session.query(sa.func.count(table.id))
            .filter(table.sender_id == sender_id, table.id <= last_id)
            .scalar()
        )

    def _rows_since(
        self, session: Any, sender_id: Text, entry: SessionRows
    ) -> Optional[Sequence[Row]]:
        """Rows added after ``entry``'s last one, or None when the kept rows cannot be used:
        a new row starts a session or is dated before this one (Rasa's query would read
        the session differently), or the conversation's rows up to the last kept one are
        not the ones counted when they were kept (a privacy erase, the retention job, a
        late writer)."""
        table = self.SQLEvent
        new = (
            session.query(*self._row_columns())
            .filter(table.sender_id == sender_id, table.id > entry.last_id)
            .order_by(table.id)
            .all()
        )
        if any(entry.starts_over(r.type_name, r.timestamp) for r in new):
            return None
        if self._count_through(session, sender_id, entry.last_id) != entry.through_last:
            return None
        return _parsed(new)

    def _stored_count(self, session: Any, tracker: DialogueStateTracker) -> int:
        """How many of the tracker's events the table holds already (Rasa's count). When
        the kept session's rows are all there and none is new: the kept rows, the same
        number without Rasa's count of the whole session."""
        sender_id = tracker.sender_id
        entry = self.session_rows.get(sender_id)
        if entry is not None and self._rows_since(session, sender_id, entry) == []:
            return len(entry.ids)
        return self._event_query(session, sender_id, fetch_events_from_all_sessions=False).count()

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events the database does not have yet, publish the same ones, and add
        them to the kept session (bot/session_rows.py)."""
        with self.session_scope() as session:
            stored = self._stored_count(session, tracker)
            events = list(itertools.islice(tracker.events, stored, len(tracker.events)))
            if self.event_broker is not None:
                await self._stream_new_events(self.event_broker, events, tracker.sender_id)
            written = []
            for event in events:
                data = event.as_dict()
                row = self.SQLEvent(
                    sender_id=tracker.sender_id,
                    type_name=event.type_name,
                    timestamp=data.get("timestamp"),
                    intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                    action_name=data.get("name"),
                    data=json.dumps(data),
                )
                session.add(row)
                written.append((row, event))
            session.flush()  # the rows' ids, without reading them back after the commit
            rows = [(row.id, event, len(row.data)) for row, event in written]
            session.commit()
        self.session_rows.saved(tracker.sender_id, tracker, stored, rows)
        logger.debug("Tracker with sender_id '%s' stored to database", tracker.sender_id)


def _parsed(rows: Sequence[Any]) -> List[Row]:
    """(id, event, characters) of fetched rows; the event is None where Rasa's own reading
    would skip the row (``deserialise_events``)."""
    parsed: List[Row] = []
    for r in rows:
        events = deserialise_events([json.loads(r.data)])
        parsed.append((r.id, events[0] if events else None, len(r.data)))
    return parsed
