"""The two places a patient's data lives, opened together for one staff command or job.

The assistant's database (booking requests, outbox, channel state, studio audit log) is
reached through short sessions (:func:`bot.bookings.db.session_scope`); Rasa's tracker
store through its own engine, which :meth:`Stores.close` disposes. Nothing here is a
long-lived global: a command opens the stores, uses them and closes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.bookings.db import database_url, session_factory, upgrade_database
from bot.privacy.tracker_events import open_tracker, tracker_store_url
from bot.settings import ClinicSettings


@dataclass
class Stores:
    """Sessions on the assistant's database, and the tracker store (None: kept in memory)."""

    sessions: sessionmaker
    tracker: Optional[Engine]

    @classmethod
    def open(
        cls,
        settings: ClinicSettings,
        folder: Optional[Path] = None,
        prepare: bool = True,
    ) -> "Stores":
        """Both stores as ``make run`` uses them; ``prepare`` migrates the database first."""
        url = database_url(settings)
        if prepare:
            upgrade_database(url)
        return cls.from_urls(url, tracker_store_url(folder=folder))

    @classmethod
    def from_urls(cls, database: str, tracker: Optional[str]) -> "Stores":
        """The assistant's database at ``database``, the tracker store at ``tracker``."""
        return cls(session_factory(database), open_tracker(tracker) if tracker else None)

    def close(self) -> None:
        if self.tracker is not None:
            self.tracker.dispose()

    def __enter__(self) -> "Stores":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
