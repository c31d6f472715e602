"""A clock tests move by hand, so the delivery worker lives through hours in a second."""

from __future__ import annotations

import datetime as dt
import threading


class SimulatedClock:
    """Aware UTC time that only moves when the test says so (safe to read from threads)."""

    def __init__(self, start: dt.datetime) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> dt.datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> dt.datetime:
        with self._lock:
            self._now += dt.timedelta(seconds=seconds)
            return self._now
