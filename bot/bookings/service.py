"""The calls the assistant makes: prepare the database, store a request, run the worker.

`make run` (bot/runner.py) prepares the database and starts the worker once, before the
servers; the form's submit action (actions/booking/submit.py) stores each request::

    from bot.bookings import service
    service.prepare_database()                 # bot/runner.py, once, at start
    worker = service.start_worker()            # bot/runner.py: background sends, with retries
    result = service.submit_request(details)   # the submit action
    # result.link_url: the prefilled booking link to show (None if link is off)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy.orm import sessionmaker

from bot.bookings import repository
from bot.bookings.adapters import build_adapters
from bot.bookings.config import parse_booking_config
from bot.bookings.db import database_url, session_factory, session_scope, upgrade_database
from bot.bookings.delivery import BackgroundWorker
from bot.bookings.intake import RequestDetails
from bot.settings import ClinicSettings, get_settings


@dataclass(frozen=True)
class SubmitResult:
    request_id: int
    kind: str
    link_url: Optional[str]


def prepare_database(settings: Optional[ClinicSettings] = None) -> str:
    """Create or upgrade the booking tables; returns the database URL in use."""
    return upgrade_database(database_url(settings or get_settings()))


def submit_request(
    details: RequestDetails,
    *,
    settings: Optional[ClinicSettings] = None,
    factory: Optional[sessionmaker] = None,
    now: Optional[datetime] = None,
) -> SubmitResult:
    """Check and store a request with its outbox rows, in one transaction.

    Raises :class:`bot.bookings.validation.InvalidInput` (with ``field`` and a
    patient-friendly ``hint``) when an answer cannot be used; nothing is stored then.
    """
    settings = settings or get_settings()
    config = parse_booking_config(settings)
    adapters = build_adapters(config, settings)
    factory = factory or session_factory(database_url(settings))
    with session_scope(factory) as session:
        request = repository.create_request(
            session, details, list(adapters.values()), settings.phone_region, now=now
        )
        link = next((d.payload.get("url") for d in request.deliveries if d.adapter == "link"), None)
        return SubmitResult(request_id=request.id, kind=request.kind, link_url=link)


def start_worker(
    settings: Optional[ClinicSettings] = None, interval: Optional[float] = None
) -> BackgroundWorker:
    """Start background delivery (``booking.delivery.interval_seconds`` apart)."""
    settings = settings or get_settings()
    factory = session_factory(database_url(settings))
    return BackgroundWorker(factory, interval=interval, settings=settings).start()
