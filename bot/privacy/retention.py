"""Retention: nothing about a patient is kept longer than ``privacy.retention_days``.

Booking requests (with their outbox rows), conversation events and the messaging
channels' rows older than the retention period are deleted by :func:`purge_expired`.
The running assistant calls it at start and then every ``privacy.purge_every_hours``
(:class:`RetentionJob`, started by bot/runner.py); staff can run it by hand with
``python -m bot privacy purge [--dry-run]``. Conversation events are deleted one by one
by age, so a conversation older than the period is gone and an ongoing one loses only
its old turns. SMS opt-outs are kept (bot/privacy/channel_records.py).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable, Dict, Optional, Tuple

from bot.bookings import repository
from bot.bookings.db import database_url, session_scope
from bot.bookings.models import iso_utc, utcnow
from bot.privacy import channel_records, inbox_records, tracker_events
from bot.privacy.stores import Stores
from bot.settings import ClinicSettings
from bot.studio import audit

logger = logging.getLogger(__name__)

# What is counted, in the order it is printed.
PLACES: Tuple[Tuple[str, str], ...] = (
    ("booking_requests", "booking requests"),
    ("outbox_rows", "outbox (delivery) rows"),
    ("conversation_events", "conversation events"),
    ("conversations", "conversations touched"),
    ("channel_offers", "messaging-channel button offers"),
    ("channel_contacts", "messaging-channel contacts"),
    ("channel_deliveries", "messaging-channel delivery ids"),
    ("inbox_messages", "staff-inbox messages (masked)"),
)


@dataclass(frozen=True)
class PurgeReport:
    """What a purge removed (or, with ``dry_run``, would remove), per place."""

    retention_days: int
    cutoff: datetime
    dry_run: bool
    counts: Dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def __str__(self) -> str:
        verb = "would delete" if self.dry_run else "deleted"
        if not self.total:
            return (
                f"nothing older than {self.retention_days} day(s) "
                f"(before {iso_utc(self.cutoff)}) to delete"
            )
        parts = ", ".join(
            f"{self.counts[name]} {words}" for name, words in PLACES if self.counts.get(name)
        )
        return (
            f"{verb} what was older than {self.retention_days} day(s) "
            f"(before {iso_utc(self.cutoff)}): {parts}"
        )


def purge_expired(
    stores: Stores,
    retention_days: int,
    now: Optional[datetime] = None,
    dry_run: bool = False,
    actor: str = "retention",
) -> PurgeReport:
    """Delete (or only count) everything older than ``retention_days`` days."""
    if isinstance(retention_days, bool) or not isinstance(retention_days, int):
        raise ValueError("retention_days must be a whole number of days")
    if retention_days < 1:
        raise ValueError("retention_days must be 1 or more")
    now = now or utcnow()
    cutoff = now - timedelta(days=retention_days)
    counts: Dict[str, int] = {}
    if stores.tracker is not None:
        with stores.tracker.begin() as connection:
            old = tracker_events.expired(connection, cutoff)
            counts["conversations"] = old["conversations"]
            counts["conversation_events"] = (
                old["events"] if dry_run else tracker_events.purge_older_than(connection, cutoff)
            )
    with session_scope(stores.sessions) as session:
        counts["outbox_rows"] = repository.count_deliveries_older_than(session, retention_days, now)
        if dry_run:
            counts["booking_requests"] = repository.count_older_than(session, retention_days, now)
            counts.update(channel_records.expired(session, cutoff))
            counts.update(inbox_records.expired(session, cutoff))
        else:
            counts["booking_requests"] = repository.purge_older_than(session, retention_days, now)
            counts.update(channel_records.purge_older_than(session, cutoff))
            counts.update(inbox_records.purge_older_than(session, cutoff))
        report = PurgeReport(retention_days, cutoff, dry_run, counts)
        if report.total and not dry_run:
            audit.record(session, actor, "privacy.purge", detail=str(report))
    return report


class RetentionJob:
    """:func:`purge_expired` at start, then every ``interval_seconds``, in a daemon thread.

    A failing round is logged (error type only: messages may quote patients' data) and
    tried again at the next one; the job never stops the assistant.
    """

    def __init__(
        self,
        open_stores: Callable[[], Stores],
        retention_days: int,
        interval_seconds: float,
    ) -> None:
        self.open_stores = open_stores
        self.retention_days = retention_days
        self.interval_seconds = interval_seconds
        self.rounds = 0  # finished rounds, failed or not (tests and health checks read it)
        self.last_report: Optional[PurgeReport] = None
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="pit-retention", daemon=True)

    def run_once(self) -> Optional[PurgeReport]:
        report: Optional[PurgeReport] = None
        try:
            with self.open_stores() as stores:
                report = purge_expired(stores, self.retention_days)
        except Exception as exc:  # noqa: BLE001 - the job must outlive one bad round
            logger.error("privacy purge failed: %s", type(exc).__name__)
        else:
            logger.log(logging.INFO if report.total else logging.DEBUG, "privacy purge: %s", report)
            self.last_report = report
        self.rounds += 1
        return report

    def _loop(self) -> None:
        while not self.stop_event.is_set():
            self.run_once()
            self.stop_event.wait(self.interval_seconds)

    def start(self) -> "RetentionJob":
        self.thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self.stop_event.set()
        self.thread.join(timeout)


def start_retention_job(
    settings: ClinicSettings, folder: Optional[Path] = None, endpoints: Optional[Path] = None
) -> RetentionJob:
    """The running assistant's job, with ``privacy:`` from clinic.yml (database prepared).

    ``endpoints``: the endpoints.yml the Rasa servers run with (default: the project's).

    A tracker store this module cannot reach (not Rasa's SQL store) is said once in the
    log; booking requests and channel rows are still purged.
    """
    database = database_url(settings)
    try:
        tracker = tracker_events.tracker_store_url(
            endpoints or tracker_events.ENDPOINTS_FILE, folder=folder
        )
    except tracker_events.TrackerStoreError as error:
        logger.warning("privacy purge: %s; conversations are not purged automatically", error)
        tracker = None
    privacy = settings.privacy
    return RetentionJob(
        lambda: Stores.from_urls(database, tracker),
        privacy.retention_days,
        privacy.purge_every_hours * 3600.0,
    ).start()
