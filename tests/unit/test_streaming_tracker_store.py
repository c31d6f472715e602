"""Our SQL tracker store writes the same rows and publishes the same events, in the same
order, as Rasa's own SQLTrackerStore, without reading the conversation back at each save."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, Dict, List

import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, text

from bot.settings import PROJECT_ROOT
from bot.tracker_store import StreamingSQLTrackerStore


class ListBroker(EventBroker):
    """Rasa's broker interface, keeping what was published."""

    def __init__(self) -> None:
        self.published: List[Dict[str, Any]] = []

    def publish(self, event: Dict[str, Any]) -> None:
        self.published.append(event)

    def is_ready(self) -> bool:
        return True


def _turns(tracker: DialogueStateTracker, session: int, turn: int) -> None:
    tracker.update(
        UserUttered(
            f"question {session}.{turn}",
            {"name": "faq", "confidence": 0.9},
            timestamp=1000.0 + session * 100 + turn,
        )
    )
    tracker.update(ActionExecuted("utter_faq", timestamp=1000.5 + session * 100 + turn))
    tracker.update(BotUttered(f"answer {turn}", timestamp=1000.6 + session * 100 + turn))
    tracker.update(SlotSet("condition", "knee", timestamp=1000.7 + session * 100 + turn))
    tracker.update(ActionExecuted("action_listen", timestamp=1000.8 + session * 100 + turn))


async def _conversation(store: SQLTrackerStore, domain: Domain) -> None:
    """Two sessions, the tracker read before and saved after every turn, as the processor
    does (a new session starts on the retrieved tracker)."""
    tracker = DialogueStateTracker("patient-1", domain.slots)
    for session in range(2):
        tracker.update(SessionStarted(timestamp=1000.0 + session * 100))
        tracker.update(ActionExecuted("action_listen", timestamp=1000.1 + session * 100))
        await store.save(tracker)
        for turn in range(3):
            tracker = await store.retrieve("patient-1")
            _turns(tracker, session, turn)
            await store.save(tracker)
        tracker = await store.retrieve("patient-1")


def _rows(db: Path) -> List[tuple]:
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT sender_id, type_name, timestamp, intent_name, action_name, data "
                "FROM events ORDER BY id"
            )
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]


@pytest.mark.parametrize("with_broker", [True, False])
def test_same_rows_and_same_published_events_as_rasas_store(tmp_path: Path, with_broker: bool):
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    results = {}
    for name, cls in (("rasa", SQLTrackerStore), ("ours", StreamingSQLTrackerStore)):
        broker = ListBroker() if with_broker else None
        db = tmp_path / f"{name}.db"
        store = cls(domain=domain, dialect="sqlite", db=str(db), event_broker=broker)
        asyncio.run(_conversation(store, domain))
        store.engine.dispose()
        results[name] = (_rows(db), broker.published if broker else None)
    assert results["ours"] == results["rasa"]
    rows, published = results["ours"]
    assert len(rows) == 2 * (2 + 3 * 5)
    assert json.loads(rows[2][5])["text"] == "question 0.0"
    if with_broker:
        assert [e["event"] for e in published] == [r[1] for r in rows]
