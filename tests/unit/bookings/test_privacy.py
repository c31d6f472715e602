"""Personal details never reach logs or stored error texts, even at DEBUG level."""

from __future__ import annotations

import datetime as dt
import logging
import random
import time

import pytest
from sqlalchemy.exc import IntegrityError

from bot.bookings import repository
from bot.bookings.db import session_scope
from bot.bookings.delivery import BackgroundWorker, deliver_due
from bot.bookings.service import submit_request
from bot.bookings.validation import InvalidInput
from tests.support.booking_data import SECRET_ENV, details, make_settings

PII = {
    "name": "Zoë Quixote-Lindqvist",
    "phone": "(202) 555-0187",
    "email": "zoe.quixote@private-mail.example",
    "pain_area": "shingles scar on the left flank",
    "preferred_times": "Thursdays after the school run",
    "conversation_id": "sender-zoe-7781",
}
# Every form each value may take when stored or sent.
NEEDLES = [
    *PII.values(),
    "+12025550187",
    "2025550187",
    "555-0187",
    "Zoë",
    "Quixote",
    "private-mail",
]
SERVER_LOGGERS = ("mail.log", "mail.debug")  # the test SMTP server's own logging, not ours


def _leaks(records) -> list:
    found = []
    for record in records:
        if record.name.startswith(SERVER_LOGGERS):
            continue
        text = record.getMessage() + (
            logging.Formatter().formatException(record.exc_info) if record.exc_info else ""
        )
        found += [(record.name, needle) for needle in NEEDLES if needle.lower() in text.lower()]
    return found


@pytest.fixture
def everything_logged(caplog):
    caplog.set_level(logging.DEBUG)  # root at DEBUG: SQLAlchemy, urllib3 and our loggers all speak
    logging.getLogger("sqlalchemy.engine").setLevel(logging.DEBUG)
    yield caplog
    logging.getLogger("sqlalchemy.engine").setLevel(logging.NOTSET)


def test_full_life_of_a_request_logs_no_personal_details(
    factory, receiver, smtp_sink, webhook_secret, everything_logged, now
):
    settings = make_settings(
        {
            "handoff": ["link", "webhook", "email"],
            "link": {"params": {"name": "name", "email": "email", "phone": "phone"}},
            "webhook": {"url": receiver.url, "secret_env": SECRET_ENV, "timeout_seconds": 2},
            "email": {
                "host": "127.0.0.1",
                "port": smtp_sink.port,
                "from": "bot@clinic.example",
                "to": ["desk@clinic.example"],
                "starttls": False,
            },
            "delivery": {"max_attempts": 2, "base_delay_seconds": 1},
        }
    )
    request_id = submit_request(
        details(**PII), settings=settings, factory=factory, now=now
    ).request_id
    rng = random.Random(5)

    deliver_due(factory, now, settings=settings, rng=rng)  # both receivers down: retries
    receiver.start()
    receiver.fail_next(422)  # permanent failure of the webhook
    smtp_sink.start()
    deliver_due(factory, now + dt.timedelta(minutes=5), settings=settings, rng=rng)
    with session_scope(factory) as session:
        request = repository.get_request(session, request_id)
        errors = [d.last_error or "" for d in request.deliveries]
    assert [d.status for d in request.deliveries] == ["delivered", "failed", "delivered"]
    assert len(smtp_sink.received) == 1 and "Zoë" in smtp_sink.received[0].message().get_content()

    for bad in (
        {"phone": "555-0187 x"},
        {"email": PII["email"] + " x"},
        {"name": PII["name"] + "\x00"},
    ):
        with pytest.raises(InvalidInput) as caught:
            submit_request(details(**dict(PII, **bad)), settings=settings, factory=factory, now=now)
        assert not [n for n in NEEDLES if n in str(caught.value)]

    with pytest.raises(
        IntegrityError
    ) as caught:  # a database error (duplicate key) mid-transaction
        with session_scope(factory) as session:
            repository.create_request(
                session,
                details(**PII),
                [_adapter(settings)] * 2,
                "US",
                key_factory=lambda: "same-key",
            )
    assert not [n for n in NEEDLES if n in str(caught.value)]  # SQL parameters are hidden

    with session_scope(factory) as session:
        assert repository.erase_by_contact(session, phone=PII["phone"], phone_region="US") == 1

    assert not [n for n in NEEDLES for e in errors if n in e]
    records = everything_logged.records
    assert any(r.name == "bot.bookings.delivery" for r in records)  # our logs were captured...
    assert not [
        r for r in records if r.getMessage().startswith("Row (")
    ]  # no result rows from SQL logging
    assert _leaks(records) == []  # ...and none of it names the patient


def _adapter(settings):
    from bot.bookings.adapters import build_adapters
    from bot.bookings.config import parse_booking_config

    return build_adapters(parse_booking_config(settings), settings)["webhook"]


def test_background_worker_delivers_and_logs_no_personal_details(
    factory, receiver, webhook_secret, everything_logged
):
    settings = make_settings(
        {
            "handoff": ["webhook"],
            "webhook": {"url": receiver.url, "secret_env": SECRET_ENV, "timeout_seconds": 2},
            "delivery": {
                "interval_seconds": 0.1,
                "base_delay_seconds": 0.2,
                "max_delay_seconds": 0.4,
            },
        }
    )
    request_id = submit_request(details(**PII), settings=settings, factory=factory).request_id
    worker = BackgroundWorker(factory, settings=settings).start()
    try:
        time.sleep(0.5)  # a few rounds with the receiver down
        receiver.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not receiver.processed:
            time.sleep(0.1)
    finally:
        worker.stop()
    assert not worker.thread.is_alive()
    with session_scope(factory) as session:
        request = repository.get_request(session, request_id)
    assert request.status == "delivered" and request.deliveries[0].attempts >= 2
    assert len(receiver.processed) == 1
    assert _leaks(everything_logged.records) == []
