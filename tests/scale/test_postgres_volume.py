"""Volume and concurrency on PostgreSQL: many requests, several workers, one receiver.

Timings are printed (run with ``-s`` or see the summary lines) so regressions show.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import List

import pytest
from sqlalchemy import func, select, text

from bot.bookings import repository
from bot.bookings.adapters import build_adapters
from bot.bookings.config import parse_booking_config
from bot.bookings.db import make_engine, session_factory, session_scope
from bot.bookings.delivery import deliver_due
from bot.bookings.models import Delivery
from tests.support.booking_data import details, make_settings, webhook_booking
from tests.support.threads import run_in_threads

pytestmark = pytest.mark.postgres

REQUESTS = 400
WORKERS = 4


def _report(capsys, line: str) -> None:
    with capsys.disabled():
        print(f"\n  [scale] {line}")


def _seed(factory, settings, count: int, now: dt.datetime) -> float:
    adapters = list(build_adapters(parse_booking_config(settings), settings).values())
    started = time.perf_counter()
    for batch in range(0, count, 50):
        with session_scope(factory) as session:
            for n in range(batch, min(batch + 50, count)):
                repository.create_request(
                    session,
                    details(name=f"Patient {n}", email=f"p{n}@example.org", consent_at=now),
                    adapters,
                    "US",
                    now=now,
                )
    return time.perf_counter() - started


def test_runs_on_postgresql(factory):
    with session_scope(factory) as session:
        assert session.get_bind().dialect.name == "postgresql"
        schema = session.execute(text("SELECT current_schema()")).scalar_one()
    assert schema.startswith("pit_test_")


def test_many_requests_delivered_exactly_once_by_concurrent_workers(
    db_url, factory, receiver, webhook_secret, capsys, now
):
    settings = make_settings(webhook_booking(receiver.url))
    seconds = _seed(factory, settings, REQUESTS, now)
    _report(
        capsys,
        f"stored {REQUESTS} requests (+ outbox rows) in {seconds:.2f}s "
        f"({REQUESTS / seconds:.0f}/s)",
    )
    receiver.start()
    engines = [make_engine(db_url) for _ in range(WORKERS)]

    def work(n: int) -> None:
        factory_n = session_factory(engine=engines[n])
        while deliver_due(
            factory_n, now, settings=settings, rng=random.Random(n), limit=20
        ).attempted:
            pass

    started = time.perf_counter()
    errors = run_in_threads(WORKERS, work, join_timeout=300)
    seconds = time.perf_counter() - started
    for engine in engines:
        engine.dispose()
    assert errors == []
    _report(
        capsys,
        f"{WORKERS} workers delivered {len(receiver.hits)} webhooks in {seconds:.2f}s "
        f"({len(receiver.hits) / seconds:.0f}/s)",
    )
    keys = [hit.key for hit in receiver.hits]
    assert len(keys) == len(set(keys)) == REQUESTS  # every request sent, none twice
    assert all(hit.signature_ok for hit in receiver.hits)
    with session_scope(factory) as session:
        statuses = session.execute(
            select(Delivery.status, func.count()).group_by(Delivery.status)
        ).all()
        assert dict(statuses) == {"delivered": REQUESTS}
        assert {r.status for r in repository.list_requests(session)} == {"delivered"}


def test_concurrent_claims_never_overlap(db_url, factory, webhook_secret, now):
    settings = make_settings(webhook_booking("http://127.0.0.1:9/unused"))
    _seed(factory, settings, 300, now)
    engines = [make_engine(db_url) for _ in range(6)]
    claimed: List[List[int]] = [[] for _ in engines]

    def claim(n: int) -> None:
        factory_n = session_factory(engine=engines[n])
        while True:
            with session_scope(factory_n) as session:
                batch = repository.claim_due(session, now, 600, ["webhook"], limit=17)
            if not batch:
                return
            claimed[n] += [c.id for c in batch]

    errors = run_in_threads(len(engines), claim, join_timeout=300)
    for engine in engines:
        engine.dispose()
    assert errors == []
    every = [i for ids in claimed for i in ids]
    assert len(every) == len(set(every)) == 300
    assert sum(1 for ids in claimed if ids) >= 2  # the work really was shared


def test_listing_purging_and_erasure_at_volume(factory, webhook_secret, capsys, now):
    settings = make_settings(webhook_booking("http://127.0.0.1:9/unused"))
    _seed(factory, settings, REQUESTS, now - dt.timedelta(days=100))
    _seed(factory, settings, 100, now)
    started = time.perf_counter()
    with session_scope(factory) as session:
        assert len(repository.list_requests(session)) == REQUESTS + 100
        assert len(repository.list_requests(session, status="new", kind="booking", limit=50)) == 50
    listed = time.perf_counter() - started
    with session_scope(factory) as session:
        assert repository.erase_by_contact(session, email="P7@EXAMPLE.ORG") == 2  # one old, one new
    started = time.perf_counter()
    with session_scope(factory) as session:
        assert repository.purge_older_than(session, 90, now) == REQUESTS - 1
    purged = time.perf_counter() - started
    with session_scope(factory) as session:
        assert session.execute(select(func.count()).select_from(Delivery)).scalar_one() == 99
    _report(
        capsys,
        f"listed {REQUESTS + 100} requests in {listed * 1000:.0f} ms; "
        f"purged {REQUESTS - 1} (+ outbox rows) in {purged * 1000:.0f} ms",
    )
