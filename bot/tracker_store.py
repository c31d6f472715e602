"""Rasa's SQL tracker store without reading the conversation twice per message.

Rasa 3.6's ``SQLTrackerStore.save`` first calls ``stream_events``, which loads the whole
current session from the database again and diffs it with the tracker in hand, only to
learn which events are new for the event broker; then it counts the stored events to
learn the same thing for its INSERTs. The reload grows with the conversation (a
500-turn session is reread and parsed from JSON at every message) and was a quarter of
the Rasa server's CPU in the profile (bench/results/profile-2026-12-02.md). Here the new
events are found once, by the count, and the same list goes to the broker and the table.

Same table, same rows, same events to the broker, in the same order: anything that reads
Rasa's ``events`` table (the studio inbox import, privacy export and erase) is unchanged.
``endpoints.yml`` names it as ``type: bot.tracker_store.StreamingSQLTrackerStore``.
"""

from __future__ import annotations

import itertools
import json
import logging
from typing import Any, List

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

logger = logging.getLogger(__name__)

CLASS_PATH = "bot.tracker_store.StreamingSQLTrackerStore"


class StreamingSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` whose save finds the new events once, for the broker and the table."""

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
