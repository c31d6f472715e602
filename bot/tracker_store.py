"""Rasa's SQL tracker store without reading the conversation twice per message.

Rasa 3.6's ``SQLTrackerStore.save`` first calls ``stream_events``, which loads the whole
current session from the database again and diffs it with the tracker in hand, only to
learn which events are new for the event broker; then it counts the stored events to
learn the same thing for its INSERTs. The reload grows with the conversation (a
500-turn session is reread and parsed from JSON at every message) and was a quarter of
the Rasa server's CPU in the profile (bench/results/profile-2026-12-02.md). Here the new
events are found once, by the count, and the same list goes to the broker and the table.

Reading is incremental too: the rows of each recent session are kept between messages
(bot/session_rows.py), and a message fetches only the rows added since, so the cost of a
message no longer grows with every row of the conversation.

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
from rasa.shared.core.events import Event, SessionStarted
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
        """Rasa's ``_retrieve``; the current session's rows come from ``_session_texts``."""
        if fetch_events_from_all_sessions:
            return await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        with self.session_scope() as session:
            texts = self._session_texts(session, sender_id)
        if self.domain and texts:
            events = [json.loads(text) for text in texts]
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    def _session_texts(self, session: Any, sender_id: Text) -> List[str]:
        """The JSON of the current session's events, in order: the kept rows and the new
        ones when the kept rows are all still there, otherwise all of them again."""
        entry = self.session_rows.get(sender_id)
        if entry is not None:
            new_rows = self._rows_since(session, sender_id, entry)
            if new_rows is not None:
                self.session_rows.grow(sender_id, entry, new_rows)
                return entry.data
        entry = self._read_session(session, sender_id)
        self.session_rows.put(sender_id, entry)
        return entry.data

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
        entry.extend([(r.id, r.data) for r in rows])
        return entry

    def _rows_since(
        self, session: Any, sender_id: Text, entry: SessionRows
    ) -> Optional[Sequence[Row]]:
        """Rows added after ``entry``'s last one, or None when the kept rows cannot be used:
        a new session started, or rows Rasa's query would return are gone or appeared
        among the kept ids (a privacy erase, the retention job, a late writer)."""
        table = self.SQLEvent
        in_session = [table.sender_id == sender_id]
        if entry.session_start is not None:
            in_session.append(table.timestamp >= entry.session_start)
        new = (
            session.query(*self._row_columns())
            .filter(*in_session, table.id > entry.last_id)
            .order_by(table.id)
            .all()
        )
        if any(r.type_name == SessionStarted.type_name for r in new):
            return None
        kept = (
            session.query(sa.func.count(table.id))
            .filter(*in_session, table.id <= entry.last_id)
            .scalar()
        )
        if kept != len(entry.ids):
            return None
        return [(r.id, r.data) for r in new]

    def _new_events(self, session: Any, tracker: DialogueStateTracker) -> List[Event]:
        stored = self._event_query(
            session, tracker.sender_id, fetch_events_from_all_sessions=False
        ).count()
        return list(itertools.islice(tracker.events, stored, len(tracker.events)))

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events the database does not have yet, and publish the same ones."""
        with self.session_scope() as session:
            events = self._new_events(session, tracker)
            if self.event_broker is not None:
                await self._stream_new_events(self.event_broker, events, tracker.sender_id)
            for event in events:
                data = event.as_dict()
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=data.get("parse_data", {})
                        .get("intent", {})
                        .get(INTENT_NAME_KEY),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()
        logger.debug("Tracker with sender_id '%s' stored to database", tracker.sender_id)
