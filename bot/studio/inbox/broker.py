"""Rasa's SQL event broker, written in the background so a patient's reply never waits for it.

Rasa's own ``SQLEventBroker`` commits every event on the request path: about 15 commits
per patient message, a quarter of the Rasa server's CPU in bench/results/profile-2026-12-02.md.
This subclass keeps Rasa's table and row format (the inbox reads it the same way), but
``publish`` only appends to memory; a thread writes what has gathered in one transaction
every ``flush_seconds``, and Rasa's shutdown (``close``) writes the rest.

endpoints.yml: ``event_broker: {type: bot.studio.inbox.broker.BufferedSQLEventBroker, ...}``
with the same keys as Rasa's SQL broker (``dialect``, ``db``, ``url``, ``username``...).
"""

from __future__ import annotations

import json
import logging
import threading
from asyncio import AbstractEventLoop
from typing import Any, Dict, List, Optional

from rasa.core.brokers.sql import SQLEventBroker
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

FLUSH_SECONDS = 0.2
# A database that stays down must not fill the memory: past this, the oldest are dropped
# (and said in the log). The tracker store still has every event.
MAX_PENDING = 100_000


class BufferedSQLEventBroker(SQLEventBroker):
    def __init__(self, *args: Any, flush_seconds: float = FLUSH_SECONDS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.flush_seconds = float(flush_seconds)
        self._pending: List[Dict[str, Any]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="pit-event-broker", daemon=True)
        self._thread.start()

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig, event_loop: Optional[AbstractEventLoop] = None
    ) -> "BufferedSQLEventBroker":
        return cls(host=broker_config.url, **broker_config.kwargs)

    def publish(self, event: Dict[str, Any]) -> None:
        with self._lock:
            self._pending.append(event)
            dropped = len(self._pending) - MAX_PENDING
            if dropped > 0:
                del self._pending[:dropped]
                logger.error("event broker: database unreachable, dropped %d event(s)", dropped)

    def flush(self) -> int:
        """Write what has gathered in one transaction; kept for the next try if it fails."""
        with self._lock:
            batch, self._pending = self._pending, []
        if not batch:
            return 0
        try:
            with self.session_scope() as session:
                session.add_all(
                    self.SQLBrokerEvent(sender_id=event.get("sender_id"), data=json.dumps(event))
                    for event in batch
                )
                session.commit()
        except Exception as error:  # noqa: BLE001 - keep the events, try again next round
            logger.error("event broker: writing failed: %s", type(error).__name__)
            with self._lock:
                self._pending[:0] = batch
            return 0
        return len(batch)

    def _loop(self) -> None:
        while not self._stop.wait(self.flush_seconds):
            self.flush()

    async def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.flush()
        self.engine.dispose()
