"""Fault (issue 16): PostgreSQL restarts while patients are sending booking requests.

A PostgreSQL of the test's own (tests/support/throwaway_postgres.py; the shared one is never
touched) is restarted, and stopped for a while, as several threads store requests through
the same call the submit action makes. Afterwards every request the call reported as stored
or kept (spooled) is in the database exactly once, under the reference the patient was
given; every other one was reported to the caller as failed. Nothing is stored twice, and
nothing is lost without the caller knowing.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import pytest
from sqlalchemy.orm import sessionmaker

from bot.bookings import repository, spool
from bot.bookings.db import dispose_engines, session_factory, session_scope, upgrade_database
from bot.bookings.service import submit_request
from bot.settings import ClinicSettings
from bot.stack import free_port
from tests.support.booking_data import details, make_settings, webhook_booking
from tests.support.throwaway_postgres import ThrowawayPostgres, unavailable_reason

pytestmark = pytest.mark.postgres
THREADS = 4


@dataclass(frozen=True)
class Outcome:
    conversation: str
    how: str  # stored, spooled or failed
    reference: Optional[str] = None
    error: str = ""


@pytest.fixture
def server() -> Iterator[ThrowawayPostgres]:
    reason = unavailable_reason()
    if reason:
        pytest.skip(f"cannot start a throwaway PostgreSQL: {reason}")
    pg = ThrowawayPostgres().start()
    try:
        upgrade_database(pg.url)
        yield pg
    finally:
        dispose_engines()
        pg.remove()


def _settings() -> ClinicSettings:
    """Requests go on by webhook (an outbox row each); the receiver plays no part here."""
    return make_settings(webhook_booking(f"http://127.0.0.1:{free_port()}/pit"))


def _patient(
    thread: int,
    factory: sessionmaker,
    settings: ClinicSettings,
    spool_dir: Path,
    stop: threading.Event,
    outcomes: List[Outcome],
) -> None:
    """One chat after another, each confirming a request, until told to stop."""
    number = 0
    while not stop.is_set():
        conversation = f"load-{thread}-{number}"
        number += 1
        try:
            result = submit_request(
                details(  # a patient of their own: the daily limit per contact plays no part
                    conversation_id=conversation,
                    name=f"Patient {thread} {number}",
                    phone=None,
                    email=f"{conversation}@example.org",
                ),
                settings=settings,
                factory=factory,
                spool_directory=spool_dir,
            )
        except Exception as error:  # noqa: BLE001 - the patient is told to phone
            outcomes.append(Outcome(conversation, "failed", error=type(error).__name__))
        else:
            how = "spooled" if result.spooled else "stored"
            outcomes.append(Outcome(conversation, how, result.reference))
        time.sleep(0.005)


def _stored(factory: sessionmaker) -> Dict[str, List[str]]:
    """References in the database, by conversation."""
    found: Dict[str, List[str]] = {}
    with session_scope(factory) as session:
        for request in repository.list_requests(session):
            found.setdefault(request.conversation_id, []).append(request.reference)
    return found


def test_requests_survive_postgres_restarting_under_load(
    server: ThrowawayPostgres, tmp_path: Path
) -> None:
    settings = _settings()
    spool_dir = tmp_path / "spool"
    factory = session_factory(server.url)
    outcomes: List[Outcome] = []
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=_patient, args=(n, factory, settings, spool_dir, stop, outcomes), daemon=True
        )
        for n in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.5)
        server.restart("fast")  # sessions cut off, back at once
        time.sleep(0.5)
        server.stop("fast")  # down for a while: requests go to the spool
        time.sleep(1.5)
        server.start()
        time.sleep(0.5)
        server.restart("immediate")  # like a crash: no goodbye to the clients
        time.sleep(0.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)

    assert all(not thread.is_alive() for thread in threads)
    hows = Counter(o.how for o in outcomes)
    assert hows["stored"] > 0 and hows["spooled"] > 0, hows  # the outage was really hit

    report = spool.drain(factory, settings, directory=spool_dir)  # the database is back
    assert report.waiting == report.set_aside == 0 and spool.pending(spool_dir) == []

    stored = _stored(factory)
    for outcome in outcomes:
        if outcome.how == "failed":
            # The caller was told; it may have reached the database (its answer was lost),
            # but never twice.
            assert len(stored.get(outcome.conversation, [])) <= 1, outcome
        else:
            assert stored.get(outcome.conversation) == [outcome.reference], outcome
    asked = {o.conversation for o in outcomes}
    assert set(stored) <= asked  # nothing stored that nobody sent
