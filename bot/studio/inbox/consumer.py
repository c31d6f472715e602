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
        self.sessions = sessions
        self.region = region
        self.poll_seconds = poll_seconds
        self.names: "OrderedDict[str, Set[str]]" = OrderedDict()
        self.applied = 0  # events stored so far (tests and the studio read it)
        self.rounds = 0
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
        try:
            self._store(readable)
            skipped = len(batch) - len(readable)
        except Exception as error:  # noqa: BLE001 - one bad event must not block the queue
            logger.error(
                "inbox: a batch failed (%s); storing it event by event", type(error).__name__
            )
            skipped = len(batch) - sum(self._store_alone(item) for item in readable)
        source.remove(engine, [row for row, _, _ in batch])
        if skipped:
            logger.warning("inbox: skipped %d unreadable or unstorable event(s)", skipped)
        self.applied += len(batch) - skipped
        return len(batch)

    def _store(self, events: List[Tuple[str, Dict[str, Any]]]) -> None:
        with session_scope(self.sessions) as session:
            ingest = Ingest(session, self.region, self.names)
            for sender_id, event in events:
                ingest.apply(sender_id or str(event.get("sender_id") or ""), event)

    def _store_alone(self, item: Tuple[str, Dict[str, Any]]) -> bool:
        try:
            self._store([item])
        except Exception as error:  # noqa: BLE001 - skipped and said, never retried forever
            logger.error("inbox: skipped an event that cannot be stored: %s", type(error).__name__)
            return False
        return True

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                read = self.run_once()
            except Exception as error:  # noqa: BLE001 - the consumer must outlive one bad round
                logger.error("inbox: reading events failed: %s", type(error).__name__)
                read = 0
            self.rounds += 1
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
    names: "OrderedDict[str, Set[str]]" = OrderedDict()
    read = 0
    with tracker.connect() as connection:
        events = source.tracker_events(connection)
        while True:
            chunk = list(itertools.islice(events, batch))
            if not chunk:
                return read
            with session_scope(sessions) as session:
                ingest = Ingest(session, region, names)
                for sender_id, event in chunk:
                    ingest.apply(sender_id, event)
            read += len(chunk)
