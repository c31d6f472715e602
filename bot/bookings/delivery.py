"""Send what is due in the outbox: retries with backoff, safe with several workers.

Each run claims due rows (a lease: ``attempts`` + 1 and ``next_attempt_at`` moved
to the end of the lease, compare-and-set so two workers never take the same row),
sends them with no database session open, then records each outcome in its own
short transaction. Because the outbox is in the database, a request survives the
receiver being down and the assistant restarting.

Retry delays grow exponentially (``base * 2^(attempt-1)``, capped) with "equal
jitter" (a random point in the upper half), so many clinics' retries do not
arrive in lock-step. Pass a seeded ``random.Random`` for repeatable tests, and a
``clock`` to the worker to run it through hours of simulated time without waiting.
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Iterable, Mapping, Optional

from sqlalchemy.orm import sessionmaker

from bot.bookings import repository, spool
from bot.bookings.adapters import Adapter, DeliveryError, build_adapters
from bot.bookings.config import BookingConfig, RetryConfig, parse_booking_config
from bot.bookings.db import session_scope
from bot.bookings.models import utcnow
from bot.settings import ClinicSettings, get_settings

logger = logging.getLogger(__name__)
DEFAULT_BATCH = 50
Clock = Callable[[], datetime]  # the current time, aware UTC


@dataclass
class DeliveryReport:
    """What one run did (counts only)."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    lost_lease: int = 0

    @property
    def attempted(self) -> int:
        return self.delivered + self.retrying + self.failed + self.lost_lease

    def __str__(self) -> str:
        return f"delivered {self.delivered}, will retry {self.retrying}, failed {self.failed}" + (
            f", taken over by another worker {self.lost_lease}" if self.lost_lease else ""
        )


def backoff_seconds(attempts: int, retry: RetryConfig, rng: random.Random) -> float:
    """Delay after the ``attempts``-th failed try: half to all of the capped exponential."""
    ceiling = min(
        retry.max_delay_seconds, retry.base_delay_seconds * 2 ** min(max(attempts - 1, 0), 32)
    )
    return rng.uniform(ceiling / 2, ceiling)


def _send(adapter: Adapter, claim: repository.ClaimedDelivery) -> Optional[DeliveryError]:
    try:
        adapter.deliver(claim.payload, claim.idempotency_key)
    except DeliveryError as error:
        return error
    except Exception as exc:  # noqa: BLE001 - a bug must not lose the request: retry, say what kind
        logger.error(
            "booking delivery %s (%s): unexpected %s", claim.id, claim.adapter, type(exc).__name__
        )
        return DeliveryError(f"unexpected error: {type(exc).__name__}")
    return None


def _record(
    factory: sessionmaker,
    claim: repository.ClaimedDelivery,
    error: Optional[DeliveryError],
    now: datetime,
    retry: RetryConfig,
    rng: random.Random,
    report: DeliveryReport,
) -> None:
    where = f"booking request {claim.request_id}, {claim.adapter} delivery {claim.id}"
    with session_scope(factory) as session:
        if error is None:
            ok = repository.mark_delivered(session, claim.id, claim.request_id, now, claim.attempts)
            outcome = "delivered"
        elif error.permanent or claim.attempts >= retry.max_attempts:
            ok = repository.mark_failed(
                session, claim.id, claim.request_id, error.reason, now, claim.attempts
            )
            outcome = "failed"
        else:
            delay = max(backoff_seconds(claim.attempts, retry, rng), error.retry_after or 0.0)
            delay = min(delay, max(retry.max_delay_seconds, retry.base_delay_seconds))
            ok = repository.schedule_retry(
                session,
                claim.id,
                claim.request_id,
                error.reason,
                now,
                now + timedelta(seconds=delay),
                claim.attempts,
            )
            outcome = "retrying"
    if not ok:
        report.lost_lease += 1
        logger.warning("%s: result not recorded (erased, cancelled or taken over meanwhile)", where)
        return
    setattr(report, outcome, getattr(report, outcome) + 1)
    reason = error.reason if error is not None else ""
    if outcome == "delivered":
        logger.info("%s delivered (attempt %d)", where, claim.attempts)
    elif outcome == "failed":
        logger.error("%s failed for good after %d attempt(s): %s", where, claim.attempts, reason)
    else:
        logger.warning("%s attempt %d failed, will retry: %s", where, claim.attempts, reason)


def deliver_due(
    session_factory: sessionmaker,
    now: Optional[datetime] = None,
    *,
    settings: Optional[ClinicSettings] = None,
    config: Optional[BookingConfig] = None,
    adapters: Optional[Mapping[str, Adapter]] = None,
    rng: Optional[random.Random] = None,
    limit: int = DEFAULT_BATCH,
) -> DeliveryReport:
    """Send every outbox row due at ``now`` (default: the current time), once.

    Rows are claimed a few at a time, so that sending one chunk (each send bounded
    by its channel's time-out) always fits inside the lease on it.
    """
    settings = settings or get_settings()
    config = config or parse_booking_config(settings)
    adapters = adapters if adapters is not None else build_adapters(config, settings)
    rng = rng or random.Random()
    report = DeliveryReport()
    with session_scope(session_factory) as session:
        stale = repository.fail_unknown_adapters(session, adapters.keys(), now or utcnow())
    if stale:
        report.failed += stale
        logger.error(
            "%d booking deliveries failed: their hand-off channel is no longer enabled", stale
        )
    chunk = chunk_size(adapters.values(), config.retry.lease_seconds, limit)
    handled = 0
    while handled < limit:
        moment = now or utcnow()
        with session_scope(session_factory) as session:
            claims = repository.claim_due(
                session,
                moment,
                config.retry.lease_seconds,
                adapters.keys(),
                min(chunk, limit - handled),
            )
        if not claims:
            break
        for claim in claims:
            error = _send(adapters[claim.adapter], claim)
            _record(session_factory, claim, error, moment, config.retry, rng, report)
        handled += len(claims)
    return report


def chunk_size(adapters: Iterable[Adapter], lease_seconds: float, limit: int) -> int:
    """How many rows to claim at once so their sends finish within the lease."""
    longest = max([float(getattr(a, "max_send_seconds", 0.0)) for a in adapters] + [1.0])
    return max(1, min(limit, int(lease_seconds // longest)))


def run_worker(
    stop_event: threading.Event,
    interval: Optional[float] = None,
    *,
    session_factory: sessionmaker,
    settings: Optional[ClinicSettings] = None,
    rng: Optional[random.Random] = None,
    clock: Clock = utcnow,
) -> None:
    """Store spooled requests and deliver due rows until ``stop_event`` is set (for a thread,
    or ``asyncio.to_thread``).

    Never raises: a failing run is logged (error type only) and retried next round.
    ``clock`` says what time it is for each round (tests pass a simulated one).
    """
    settings = settings or get_settings()
    config = parse_booking_config(settings)
    adapters = build_adapters(config, settings)
    wait = config.retry.interval_seconds if interval is None else interval
    rng = rng or random.Random()
    while not stop_event.is_set():
        busy = False
        try:
            # Requests kept on disk while the database was down go in first, so that
            # they are delivered in this same round.
            spool.drain(session_factory, settings)
        except Exception as exc:  # noqa: BLE001 - the worker must outlive one bad run
            logger.error("booking spool run failed: %s", type(exc).__name__)
        try:
            report = deliver_due(
                session_factory,
                clock(),
                settings=settings,
                config=config,
                adapters=adapters,
                rng=rng,
            )
            busy = report.attempted >= DEFAULT_BATCH
        except Exception as exc:  # noqa: BLE001 - the worker must outlive one bad run
            logger.error("booking delivery run failed: %s", type(exc).__name__)
        if not busy:
            stop_event.wait(wait)


class BackgroundWorker:
    """:func:`run_worker` in a daemon thread; ``stop()`` ends it after the current send."""

    def __init__(
        self,
        session_factory: sessionmaker,
        interval: Optional[float] = None,
        settings: Optional[ClinicSettings] = None,
        clock: Clock = utcnow,
    ) -> None:
        self.stop_event = threading.Event()
        self.thread = threading.Thread(
            target=run_worker,
            args=(self.stop_event, interval),
            kwargs={"session_factory": session_factory, "settings": settings, "clock": clock},
            name="pit-booking-delivery",
            daemon=True,
        )

    def start(self) -> "BackgroundWorker":
        self.thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self.stop_event.set()
        self.thread.join(timeout)
