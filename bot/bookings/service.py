"""The calls the assistant makes: prepare the database, store a request, run the worker.

`make run` (bot/runner.py) prepares the database and starts the worker once, before the
servers; the form's submit action (actions/booking/submit.py) stores each request::

    from bot.bookings import service
    service.prepare_database()                 # bot/runner.py, once, at start
    worker = service.start_worker()            # bot/runner.py: background sends, with retries
    result = service.submit_request(details)   # the submit action
    # result.link_url: the prefilled booking link to show (None if link is off)
    # result.spooled: the database was unreachable; the request waits in bot.bookings.spool

When the database cannot be reached at the moment a patient confirms, the request is
kept in the local spool (:mod:`bot.bookings.spool`) under the reference the patient is
given, and :func:`bot.bookings.spool.drain` stores it once the database answers again:
after the next successful submit, and in every round of the delivery worker.

The reference is chosen before the first try and the spooled copy keeps it: if the
database committed but the connection dropped before it said so (PostgreSQL restarting
at that moment), the drain finds the request under that code and does not store it twice.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Optional

from sqlalchemy.orm import sessionmaker

from bot.bookings import repository, spool
from bot.bookings.adapters import build_adapters
from bot.bookings.config import parse_booking_config
from bot.bookings.db import database_url, session_factory, session_scope, upgrade_database
from bot.bookings.delivery import BackgroundWorker
from bot.bookings.intake import RequestDetails, prepare_request
from bot.bookings.models import BookingRequest
from bot.bookings.references import new_reference
from bot.settings import ClinicSettings, get_settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SubmitResult:
    request_id: Optional[int]  # internal, never shown; None while the request is spooled
    reference: str  # the code the patient and the clinic see
    kind: str
    link_url: Optional[str]
    spooled: bool = False  # kept on disk: the database was unreachable


def prepare_database(settings: Optional[ClinicSettings] = None) -> str:
    """Create or upgrade the booking tables; returns the database URL in use."""
    return upgrade_database(database_url(settings or get_settings()))


def submit_request(
    details: RequestDetails,
    *,
    settings: Optional[ClinicSettings] = None,
    factory: Optional[sessionmaker] = None,
    now: Optional[datetime] = None,
    spool_directory: Optional[Path] = None,
    form_started_at: Optional[datetime] = None,
) -> SubmitResult:
    """Check and store a request with its outbox rows, in one transaction.

    ``form_started_at`` (when this conversation's form began) makes a resend safe: if the
    same request of the same conversation was stored since then, it is returned as it is,
    not stored twice (see :func:`bot.bookings.repository.find_resent`).

    Raises :class:`bot.bookings.validation.InvalidInput` (with ``field`` and a
    patient-friendly ``hint``) when an answer cannot be used; nothing is stored then.
    When the database cannot be reached, the request is kept in the spool instead
    (``spooled=True``); if that fails too, :class:`bot.bookings.spool.SpoolUnavailable`
    is raised (chained to the database error) and the patient must be asked to phone.
    """
    settings = settings or get_settings()
    # The answers are checked before the database is touched: a refused answer is never spooled.
    prepare_request(details, settings.phone_region, now=now)
    reference = new_reference()
    try:
        factory = factory or session_factory(database_url(settings))
        result = _store(details, reference, settings, factory, now, form_started_at)
    except spool.UNAVAILABLE as error:
        try:
            spool.put(details, reference, directory=spool_directory, now=now)
        except spool.SpoolUnavailable as full:
            logger.error("booking database unreachable (%s) and %s", type(error).__name__, full)
            raise full from error
        logger.warning(
            "booking database unreachable (%s): %s request %s kept in the spool",
            type(error).__name__,
            details.kind,
            reference,
        )
        link = _link_for(details, reference, settings, now)
        return SubmitResult(None, reference, details.kind, link_url=link, spooled=True)
    if spool.pending(spool_directory):
        try:
            spool.drain(factory, settings, directory=spool_directory)
        except Exception as error:  # noqa: BLE001 - the patient's request is stored: never fail it
            logger.error("draining the booking spool failed: %s", type(error).__name__)
    return result


def _link_for(
    details: RequestDetails, reference: str, settings: ClinicSettings, now: Optional[datetime]
) -> Optional[str]:
    """The prefilled booking link, made without the database (None if link is off): with
    only the link as hand-off, it is how the patient finishes booking while we are down."""
    adapter = build_adapters(parse_booking_config(settings), settings).get("link")
    if adapter is None:
        return None
    clean = prepare_request(details, settings.phone_region, now=now)
    snapshot = {"reference": reference, **asdict(clean)}
    snapshot.pop("consent_at", None)
    return adapter.prepare(snapshot).get("url")


def _store(
    details: RequestDetails,
    reference: str,
    settings: ClinicSettings,
    factory: sessionmaker,
    now: Optional[datetime],
    form_started_at: Optional[datetime] = None,
) -> SubmitResult:
    """Store under ``reference``, or under a fresh code if another request has it; a resend
    of a request stored since ``form_started_at`` returns that one."""
    config = parse_booking_config(settings)
    adapters = build_adapters(config, settings)
    with session_scope(factory) as session:
        if form_started_at is not None:
            resent = repository.find_resent(
                session, details, settings.phone_region, form_started_at
            )
            if resent is not None:
                logger.info(
                    "%s request %s was sent again: not stored twice", resent.kind, resent.reference
                )
                return _result(resent)
        taken = repository.find_by_reference(session, reference) is not None
        request = repository.create_request(
            session,
            details,
            list(adapters.values()),
            settings.phone_region,
            now=now,
            daily_limit=settings.limits.booking_requests_per_day,
            reference=None if taken else reference,
        )
        return _result(request)


def _result(request: BookingRequest) -> SubmitResult:
    link = next((d.payload.get("url") for d in request.deliveries if d.adapter == "link"), None)
    return SubmitResult(
        request_id=request.id, reference=request.reference, kind=request.kind, link_url=link
    )


def start_worker(
    settings: Optional[ClinicSettings] = None, interval: Optional[float] = None
) -> BackgroundWorker:
    """Start background delivery (``booking.delivery.interval_seconds`` apart)."""
    settings = settings or get_settings()
    factory = session_factory(database_url(settings))
    return BackgroundWorker(factory, interval=interval, settings=settings).start()
