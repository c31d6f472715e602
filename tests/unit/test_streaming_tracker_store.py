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


# --- reading: the kept rows of a session ------------------------------------------------


def _state(tracker: "DialogueStateTracker | None") -> Any:
    from rasa.shared.core.trackers import EventVerbosity

    return None if tracker is None else tracker.current_state(EventVerbosity.ALL)


class _Pair:
    """Rasa's store and ours on one database: every read must give the same tracker."""

    def __init__(self, db: Path, domain: Domain, **ours: Any) -> None:
        self.rasa = SQLTrackerStore(domain=domain, dialect="sqlite", db=str(db))
        self.ours = StreamingSQLTrackerStore(domain=domain, dialect="sqlite", db=str(db), **ours)
        self.full_reads = 0
        read = self.ours._read_session

        def counting(*args: Any) -> Any:
            self.full_reads += 1
            return read(*args)

        self.ours._read_session = counting  # type: ignore[method-assign]

    def retrieve(self, sender: str) -> "DialogueStateTracker | None":
        ours = asyncio.run(self.ours.retrieve(sender))
        assert _state(ours) == _state(asyncio.run(self.rasa.retrieve(sender)))
        return ours

    def execute(self, sql: str, **params: Any) -> None:
        with self.ours.engine.begin() as connection:
            connection.execute(text(sql), params)


def _one_turn(store: SQLTrackerStore, tracker: DialogueStateTracker, n: int) -> None:
    _turns(tracker, 0, n)
    asyncio.run(store.save(tracker))


def _started(store: SQLTrackerStore, domain: Domain, sender: str, at: float) -> None:
    tracker = DialogueStateTracker(sender, domain.slots)
    tracker.update(SessionStarted(timestamp=at))
    tracker.update(ActionExecuted("action_listen", timestamp=at + 0.1))
    asyncio.run(store.save(tracker))


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


@pytest.fixture
def pair(tmp_path: Path, domain: Domain) -> _Pair:
    """Both stores on a new database holding the start of patient "p"'s session."""
    both = _Pair(tmp_path / "t.db", domain)
    _started(both.ours, domain, "p", 999.0)
    return both


def test_a_long_session_is_read_in_full_once_and_then_only_its_new_rows(pair: _Pair):
    for turn in range(40):
        tracker = pair.retrieve("p")
        _one_turn(pair.ours, tracker, turn)
    assert pair.full_reads == 1
    assert len(pair.retrieve("p").events) == 2 + 40 * 5
    assert pair.ours.session_rows.get("p") is not None


def test_rows_written_by_another_server_are_read(tmp_path: Path, domain: Domain, pair: _Pair):
    """Two Rasa replicas on one database: each sees what the other stored."""
    other = StreamingSQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "t.db"))
    for turn in range(6):
        store = pair.ours if turn % 2 else other
        tracker = pair.retrieve("p") if turn % 2 else asyncio.run(other.retrieve("p"))
        _one_turn(store, tracker, turn)
    assert [e.text for e in pair.retrieve("p").events if e.type_name == "user"] == [
        f"question 0.{t}" for t in range(6)
    ]
    assert pair.full_reads == 1


def test_a_new_session_from_another_server_starts_the_reading_again(pair: _Pair):
    _one_turn(pair.ours, pair.retrieve("p"), 0)
    tracker = pair.retrieve("p")
    tracker.update(SessionStarted(timestamp=5000.0))
    tracker.update(ActionExecuted("action_listen", timestamp=5000.1))
    asyncio.run(pair.ours.save(tracker))
    after = pair.retrieve("p")
    assert [e.type_name for e in after.events] == ["session_started", "action"]
    assert pair.full_reads == 2


def test_an_erased_conversation_stays_erased(tmp_path: Path, domain: Domain, pair: _Pair):
    """A privacy erase deletes the rows in another process: nothing kept may come back."""
    _one_turn(pair.ours, pair.retrieve("p"), 0)
    assert pair.retrieve("p") is not None
    pair.execute("DELETE FROM events WHERE sender_id = :s", s="p")
    assert pair.retrieve("p") is None
    # A new conversation under the same id starts clean and is saved without the old rows.
    _started(pair.ours, domain, "p", 2000.0)
    tracker = pair.retrieve("p")
    assert len(tracker.events) == 2
    _one_turn(pair.ours, tracker, 1)
    assert len(_rows(tmp_path / "t.db")) == 2 + 5


def test_rows_removed_by_the_retention_job_are_not_read_back(pair: _Pair):
    for turn in range(3):
        _one_turn(pair.ours, pair.retrieve("p"), turn)
    pair.retrieve("p")
    pair.execute("DELETE FROM events WHERE sender_id = :s AND timestamp < 1001.7", s="p")
    # The session start went too, so Rasa reads every row left: the same 7 here.
    assert len(pair.retrieve("p").events) == 7


def test_a_row_committed_late_among_the_kept_ids_is_read(domain: Domain, pair: _Pair):
    """An id below the last kept one (a writer that committed late) makes a full read."""
    _started(pair.ours, domain, "someone else", 999.0)  # ids 3 and 4
    _one_turn(pair.ours, pair.retrieve("p"), 0)
    pair.retrieve("p")
    pair.execute("DELETE FROM events WHERE sender_id = 'someone else'")
    late = json.dumps(SlotSet("body_part", "knee", timestamp=1500.0).as_dict())
    pair.execute(
        "INSERT INTO events (id, sender_id, type_name, timestamp, data) "
        "VALUES (3, :s, 'slot', 1500.0, :d)",
        s="p",
        d=late,
    )
    assert pair.retrieve("p").get_slot("body_part") == "knee"


def test_with_nothing_kept_every_read_is_a_full_read(tmp_path: Path, domain: Domain):
    pair = _Pair(tmp_path / "t.db", domain, cached_chars=0)
    _started(pair.ours, domain, "p", 999.0)
    for turn in range(3):
        _one_turn(pair.ours, pair.retrieve("p"), turn)
    assert pair.full_reads == 3
    assert len(pair.ours.session_rows) == 0


# --- the kept tracker --------------------------------------------------------------------


def test_the_same_tracker_is_handed_out_while_only_its_own_saves_change_it(pair: _Pair):
    first = pair.retrieve("p")
    for turn in range(30):
        tracker = pair.retrieve("p")
        assert tracker is first
        _one_turn(pair.ours, tracker, turn)
    assert pair.retrieve("p") is first and len(first.events) == 2 + 30 * 5
    assert pair.full_reads == 1


def test_a_turn_that_failed_before_its_save_is_not_handed_out_again(pair: _Pair):
    _one_turn(pair.ours, pair.retrieve("p"), 0)
    failed = pair.retrieve("p")
    _turns(failed, 0, 1)  # the turn's events, never saved: the action server was down
    again = pair.retrieve("p")  # compared with Rasa's read: the unsaved turn is not there
    assert again is not failed and len(again.events) == 2 + 5


def test_a_tracker_changed_without_new_events_is_not_handed_out_again(pair: _Pair):
    """Same number of events, another last one: rebuilt from the rows."""
    _one_turn(pair.ours, pair.retrieve("p"), 0)
    tracker = pair.retrieve("p")
    tracker.events.pop()
    tracker.update(ActionExecuted("utter_other", timestamp=1500.0))
    assert pair.retrieve("p") is not tracker


def test_rows_from_another_server_are_applied_to_the_kept_tracker(
    tmp_path: Path, domain: Domain, pair: _Pair
):
    kept = pair.retrieve("p")
    other = StreamingSQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "t.db"))
    _one_turn(other, asyncio.run(other.retrieve("p")), 0)
    assert pair.retrieve("p") is kept and len(kept.events) == 2 + 5
    assert pair.full_reads == 1


def test_a_saved_tracker_that_is_not_the_kept_one_is_let_go(domain: Domain, pair: _Pair):
    kept = pair.retrieve("p")
    rebuilt = DialogueStateTracker.from_events("p", list(kept.events), domain.slots)
    _one_turn(pair.ours, rebuilt, 0)
    after = pair.retrieve("p")
    assert after is not kept and after is not rebuilt and len(after.events) == 2 + 5
    assert pair.full_reads == 1  # the rows were still good: only the new ones were read


def test_a_model_with_other_slots_gets_a_tracker_with_its_slots(pair: _Pair):
    kept = pair.retrieve("p")
    _one_turn(pair.ours, kept, 0)
    swapped = Domain.from_dict({"slots": {"condition": {"type": "text", "mappings": []}}})
    pair.ours.domain = pair.rasa.domain = swapped
    tracker = pair.retrieve("p")
    assert tracker is not kept and set(tracker.slots) == {slot.name for slot in swapped.slots}
    assert tracker.get_slot("condition") == "knee"


def test_saving_the_kept_tracker_counts_the_kept_rows_not_the_session(pair: _Pair):
    counted = []
    query = pair.ours._event_query

    def counting(*args: Any, **kwargs: Any) -> Any:
        counted.append(args)
        return query(*args, **kwargs)

    pair.ours._event_query = counting  # type: ignore[method-assign]
    for turn in range(5):
        _one_turn(pair.ours, pair.retrieve("p"), turn)
    # Rasa's session query ran once, for the first full read; no save counted with it.
    assert len(counted) == pair.full_reads == 1


def test_a_save_after_another_server_wrote_counts_as_rasa_does(
    tmp_path: Path, domain: Domain, pair: _Pair
):
    """A second writer between our read and our save (no lock store): the table gets what
    Rasa's own count lets through, and the next read is Rasa's again."""
    kept = pair.retrieve("p")
    other = StreamingSQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "t.db"))
    _one_turn(other, asyncio.run(other.retrieve("p")), 0)
    _one_turn(pair.ours, kept, 1)
    rasa_rows = len(_rows(tmp_path / "t.db"))
    assert rasa_rows == 2 + 5  # Rasa's count (7) covers our own 7 events: nothing written
    assert len(pair.retrieve("p").events) == 2 + 5
