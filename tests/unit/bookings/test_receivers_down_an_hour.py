"""Fault (issue 16): the clinic's mail server and webhook receiver are down for an hour.

Real receivers on loopback (aiosmtpd, an http.server) stay stopped while the real delivery
code runs through an hour of simulated time, with the retry settings clinic.yml ships. Then
they come up, and each request must reach each of them exactly once, also when the worker
restarted in between and when two workers run at once.

Database-neutral: tests/scale runs these again on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import threading
import time
from collections import Counter
from typing import Dict, List, Tuple

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.bookings import repository
from bot.bookings.config import RetryConfig, parse_booking_config
from bot.bookings.db import dispose_engines, make_engine, session_factory, session_scope
from bot.bookings.delivery import BackgroundWorker, deliver_due
from bot.bookings.models import Delivery
from bot.bookings.service import submit_request
from bot.settings import ClinicSettings
from tests.support.booking_data import BASE_SETTINGS, SECRET_ENV, details, make_settings
from tests.support.clock import SimulatedClock
from tests.support.receivers import SmtpSink, WebhookReceiver
from tests.support.threads import run_in_threads

HOUR = 3600.0
PATIENTS = 3


def _settings(receiver: WebhookReceiver, sink: SmtpSink) -> ClinicSettings:
    """Webhook and email on, with the retry settings the shipped clinic.yml has."""
    return make_settings(
        {
            "handoff": ["webhook", "email"],
            "webhook": {"url": receiver.url, "secret_env": SECRET_ENV, "timeout_seconds": 2},
            "email": {
                "host": "127.0.0.1",
                "port": sink.port,
                "from": "assistant@clinic.example",
                "to": "desk@clinic.example",
                "starttls": False,
                "timeout_seconds": 2,
            },
            # The shipped retry settings, with a longer lease: the simulated clock jumps a
            # minute every 20 ms, so on a busy machine a send that stalls for 40 ms would
            # otherwise outlive its 120 s lease, be taken over and spend an extra attempt.
            "delivery": {**BASE_SETTINGS["booking"]["delivery"], "lease_seconds": 900},
        },
        limits={"booking_requests_per_day": 100},
    )


def _submit_patients(
    factory: sessionmaker, settings: ClinicSettings, now: dt.datetime
) -> List[str]:
    return [
        submit_request(
            details(name=f"Patient {n}", conversation_id=f"conv-{n}"),
            settings=settings,
            factory=factory,
            now=now,
        ).reference
        for n in range(PATIENTS)
    ]


def _outbox(factory: sessionmaker) -> Dict[int, Tuple[int, str, str, dt.datetime]]:
    with session_scope(factory) as session:
        return {
            d.id: (d.attempts, d.status, d.request.status, d.next_attempt_at)
            for d in session.execute(select(Delivery)).scalars()
        }


def _ceiling(attempt: int, retry: RetryConfig) -> float:
    return min(retry.max_delay_seconds, retry.base_delay_seconds * 2 ** (attempt - 1))


def _arrivals(receiver: WebhookReceiver, sink: SmtpSink) -> Tuple[Counter, Counter]:
    """How many times each request reached the webhook, and the clinic's inbox."""
    webhook = Counter(json.loads(hit.body)["request"]["reference"] for hit in receiver.hits)
    mail = Counter(str(m.message()["Subject"]).rsplit("#", 1)[-1] for m in sink.received)
    return webhook, mail


def _assert_each_arrived_once(
    references: List[str], receiver: WebhookReceiver, sink: SmtpSink, factory: sessionmaker
) -> None:
    webhook, mail = _arrivals(receiver, sink)
    assert webhook == Counter(references) and mail == Counter(references)
    assert all(hit.status == 200 and hit.signature_ok for hit in receiver.hits)
    with session_scope(factory) as session:
        assert {r.status for r in repository.list_requests(session)} == {"delivered"}


def test_an_hour_down_nothing_is_lost_backoff_holds_then_each_arrives_once(
    db_url, factory, receiver, smtp_sink, webhook_secret, now
):
    settings = _settings(receiver, smtp_sink)
    retry = parse_booking_config(settings).retry
    references = _submit_patients(factory, settings, now)
    clock = SimulatedClock(now)
    worker = factory
    tried_at: Dict[int, List[dt.datetime]] = {}
    before = _outbox(factory)
    restarted = False
    while clock() < now + dt.timedelta(seconds=HOUR):
        if not restarted and clock() >= now + dt.timedelta(minutes=30):
            dispose_engines()  # the assistant stops between two attempts ...
            worker = session_factory(engine=make_engine(db_url))  # ... and starts again
            restarted = True
        deliver_due(worker, clock(), settings=settings, rng=random.Random(len(tried_at)))
        after = _outbox(factory)
        for key, (attempts, status, request_status, _due) in after.items():
            assert (status, request_status) == ("pending", "new")  # nothing given up, nothing lost
            if attempts != before[key][0]:
                assert attempts == before[key][0] + 1
                assert clock() >= before[key][3]  # never tried before it was due
                tried_at.setdefault(key, []).append(clock())
        before = after
        clock.advance(retry.interval_seconds)  # one round of the worker

    assert receiver.hits == [] and smtp_sink.received == []
    assert len(tried_at) == 2 * PATIENTS
    for times in tried_at.values():
        assert 6 <= len(times) < retry.max_attempts  # it kept trying, and can try again
        for attempt, (first, second) in enumerate(zip(times, times[1:], strict=False), start=1):
            gap = (second - first).total_seconds()
            # Half to all of the capped doubling, plus at most one round of the worker.
            assert _ceiling(attempt, retry) / 2 <= gap <= _ceiling(attempt, retry) + 15

    receiver.start()
    smtp_sink.start()
    _two_workers_until_delivered(db_url, settings, clock, retry)
    _assert_each_arrived_once(references, receiver, smtp_sink, factory)
    assert deliver_due(factory, clock() + dt.timedelta(days=1), settings=settings).attempted == 0


def _two_workers_until_delivered(
    db_url: str, settings: ClinicSettings, clock: SimulatedClock, retry: RetryConfig
) -> None:
    """Two workers (their own engines), rounds in step, until nothing is pending."""
    engines = [make_engine(db_url) for _ in range(2)]
    factories = [session_factory(engine=engine) for engine in engines]
    try:
        for _ in range(int(2 * HOUR / retry.interval_seconds)):
            start = threading.Barrier(len(factories))

            def run(n: int, start: threading.Barrier = start) -> None:
                start.wait(10)
                deliver_due(factories[n], clock(), settings=settings, rng=random.Random(n))

            assert not run_in_threads(len(factories), run)
            with session_scope(factories[0]) as session:
                if repository.pending_count(session) == 0:
                    return
            clock.advance(retry.interval_seconds)
        raise AssertionError("still pending two hours after the receivers came back")
    finally:
        for engine in engines:
            engine.dispose()


def _settle(factory: sessionmaker, clock: SimulatedClock, timeout: float = 30.0) -> None:
    """Wait until the workers have tried everything due at the clock's time, so the
    simulated clock never runs ahead of them: on a busy machine a fixed pause let them
    miss attempts (fewer than five in the hour), or lose leases (too many)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        at = clock()
        outbox = _outbox(factory).values()
        if not any(status == "pending" and due <= at for _, status, _, due in outbox):
            return
        threading.Event().wait(0.005)
    raise AssertionError(f"the workers did not try what was due within {timeout:.0f} s")


def _start_workers(
    db_url: str, settings: ClinicSettings, clock: SimulatedClock
) -> List[Tuple[BackgroundWorker, Engine]]:
    """Two background workers, each with its own engine (two assistants on one database)."""
    engines = [make_engine(db_url) for _ in range(2)]
    return [
        (BackgroundWorker(session_factory(engine=e), 0.01, settings, clock=clock).start(), e)
        for e in engines
    ]


def _stop_workers(workers: List[Tuple[BackgroundWorker, Engine]]) -> None:
    for worker, engine in workers:
        worker.stop()
        engine.dispose()


def test_the_background_workers_on_a_simulated_clock_deliver_each_once_after_an_hour(
    db_url, factory, receiver, smtp_sink, webhook_secret, now
):
    """The real worker threads, two at once, on a clock the test moves; restarted at the end
    of the outage (so the clock's big jump never expires a lease in the middle of a send)."""
    settings = _settings(receiver, smtp_sink)
    references = _submit_patients(factory, settings, now)
    clock = SimulatedClock(now)
    workers = _start_workers(db_url, settings, clock)
    try:
        while clock() < now + dt.timedelta(seconds=HOUR):
            clock.advance(60)
            _settle(factory, clock)
    finally:
        _stop_workers(workers)
    waited = _outbox(factory)
    assert {(status, request) for _, status, request, _ in waited.values()} == {("pending", "new")}
    assert all(attempts >= 5 for attempts, *_ in waited.values())
    assert receiver.hits == [] and smtp_sink.received == []

    receiver.start()
    smtp_sink.start()
    clock.advance(HOUR)  # past every retry time (the longest delay is an hour)
    workers = _start_workers(db_url, settings, clock)
    try:
        for _ in range(500):
            threading.Event().wait(0.02)
            with session_scope(factory) as session:
                if repository.pending_count(session) == 0:
                    break
    finally:
        _stop_workers(workers)
    _assert_each_arrived_once(references, receiver, smtp_sink, factory)
