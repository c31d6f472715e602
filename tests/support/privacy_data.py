"""Conversations written by Rasa's own SQL tracker store, for the privacy tests.

Written through ``rasa.core.tracker_store.SQLTrackerStore`` (not our table definition),
so the tests prove bot/privacy reads and deletes what Rasa really stores.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import List, Optional

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker


def chat(
    at: dt.datetime,
    said: str = "does it hurt?",
    slots: Optional[dict] = None,
    metadata: Optional[dict] = None,
) -> List[Event]:
    """One short exchange at ``at``: session start, a message, slots, a reply."""
    t = at.timestamp()
    events: List[Event] = [
        ActionExecuted("action_session_start", timestamp=t),
        SessionStarted(timestamp=t),
        ActionExecuted("action_listen", timestamp=t),
        UserUttered(said, {"name": "faq", "confidence": 1.0}, timestamp=t + 1, metadata=metadata),
    ]
    events += [SlotSet(name, value, timestamp=t + 2) for name, value in (slots or {}).items()]
    events.append(BotUttered("It can sting for a moment.", timestamp=t + 3))
    return events


def save_conversation(tracker_url: str, sender_id: str, *exchanges: List[Event]) -> None:
    """Store the exchanges as one conversation, the way the Rasa server does."""
    store = SQLTrackerStore(Domain.empty(), host=tracker_url)
    try:
        tracker = DialogueStateTracker(sender_id, slots=[])
        for exchange in exchanges:
            for event in exchange:
                tracker.update(event)
        asyncio.run(store.save(tracker))
    finally:
        store.engine.dispose()
