"""Read Rasa's event broker in the background and keep the inbox tables up to date.

Runs as a daemon thread in the web process, so the patient-facing Rasa server never
waits for it: Rasa only appends to the queue. Each round takes a batch of events,
applies them in one unit of work on the studio's database, then removes them from the
queue. A failing round is logged by error type only (messages quote patients) and tried
again; the consumer never stops the web process.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections import OrderedDict
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.bookings.db import session_scope
from bot.studio.inbox import source
from bot.studio.inbox.ingest import Ingest

logger = logging.getLogger(__name__)

POLL_SECONDS = 1.0


Event = Tuple[str, Dict[str, Any]]  # sender id, the event as Rasa serialises it


class Storer:
    """Stores a batch of events in one unit of work; a batch that fails is stored event by
    event, and an event that cannot be stored is skipped and said (never retried forever)."""

    def __init__(self, sessions: sessionmaker, region: str) -> None:
        self.sessions = sessions
        self.region = region
        self.names: "OrderedDict[str, Set[str]]" = OrderedDict()

    def store(self, events: List[Event]) -> int:
        """Returns how many events could not be stored."""
        try:
            self._store(events)
            return 0
        except Exception as error:  # noqa: BLE001 - one bad event must not block the queue
            logger.error(
                "inbox: a batch failed (%s); storing it event by event", type(error).__name__
            )
            return len(events) - sum(self._store_alone(item) for item in events)

    def _store(self, events: List[Event]) -> None:
        with session_scope(self.sessions) as session:
            ingest = Ingest(session, self.region, self.names)
            for sender_id, event in events:
                ingest.apply(sender_id or str(event.get("sender_id") or ""), event)

    def _store_alone(self, item: Event) -> bool:
        try:
            self._store([item])
        except Exception as error:  # noqa: BLE001 - skipped and said, never retried forever
            logger.error("inbox: skipped an event that cannot be stored: %s", type(error).__name__)
            return False
        return True


class InboxConsumer:
    """Moves events from the broker's queue into the inbox, a batch at a time."""

    def __init__(
        self,
        queue_url: Callable[[], Optional[str]],
        sessions: sessionmaker,
        region: str,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.queue_url = queue_url  # called until the queue exists (Rasa creates it)
        self.storer = Storer(sessions, region)
        self.poll_seconds = poll_seconds
        self._engine: Optional[Engine] = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="pit-inbox", daemon=True)

    def _queue(self) -> Optional[Engine]:
        if self._engine is None:
            url = self.queue_url()
            if url:
                self._engine = source.open_queue(url)
        return self._engine

    def run_once(self) -> int:
        """One batch: store it, then remove it from the queue. Returns the events read."""
        engine = self._queue()
        if engine is None:
            return 0
        batch = source.take(engine)
        if not batch:
            return 0
        readable = [(sender, event) for _, sender, event in batch if event is not None]
        skipped = len(batch) - len(readable) + self.storer.store(readable)
        source.remove(engine, [row for row, _, _ in batch])
        if skipped:
            logger.warning("inbox: skipped %d unreadable or unstorable event(s)", skipped)
        return len(batch)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                read = self.run_once()
            except Exception as error:  # noqa: BLE001 - the consumer must outlive one bad round
                logger.error("inbox: reading events failed: %s", type(error).__name__)
                read = 0
            if read < source.BATCH:
                self._stop.wait(self.poll_seconds)

    def start(self) -> "InboxConsumer":
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)
        if self._engine is not None:
            self._engine.dispose()


def import_tracker(tracker: Engine, sessions: sessionmaker, region: str, batch: int = 2000) -> int:
    """Store the conversations already in Rasa's SQL tracker store (a one-off import, for
    conversations from before the event broker was set up). Running it again adds nothing
    new: messages already in the inbox are recognised by their id. Returns events read."""
    storer = Storer(sessions, region)
    read = 0
    with tracker.connect() as connection:
        events = source.tracker_events(connection)
        while True:
            chunk = list(itertools.islice(events, batch))
            if not chunk:
                return read
            storer.store(chunk)
            read += len(chunk)
