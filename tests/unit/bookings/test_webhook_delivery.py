"""Webhook delivery against a real HTTP receiver on 127.0.0.1.

Database-neutral: tests/scale runs these again on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest

from bot.bookings import repository
from bot.bookings.adapters import build_adapters
from bot.bookings.adapters.webhook import canonical_body, signature, verify_signature
from bot.bookings.config import RetryConfig, parse_booking_config
from bot.bookings.db import dispose_engines, make_engine, session_factory, session_scope
from bot.bookings.delivery import backoff_seconds, chunk_size, deliver_due
from bot.bookings.service import submit_request
from tests.support.booking_data import details, make_settings, webhook_booking
from tests.support.threads import run_in_threads

SECONDS = dt.timedelta(seconds=1)
MANY_PER_DAY = {"booking_requests_per_day": 1000}  # tests that store many identical requests


def _submit(factory, settings, now, **changes):
    return submit_request(
        details(**changes), settings=settings, factory=factory, now=now
    ).request_id


def _delivery(factory, request_id, adapter="webhook"):
    with session_scope(factory) as session:
        request = repository.get_request(session, request_id)
        return request, next(d for d in request.deliveries if d.adapter == adapter)


def _run(factory, settings, now, seed=7):
    return deliver_due(factory, now, settings=settings, rng=random.Random(seed))


def test_receiver_down_then_up_delivers_exactly_once_with_a_valid_signature(
    factory, receiver, webhook_secret, now
):
    settings = make_settings(webhook_booking(receiver.url))
    request_id = _submit(factory, settings, now)

    report = _run(factory, settings, now)  # nobody listening: connection refused
    assert (report.delivered, report.retrying, report.failed) == (0, 1, 0)
    request, delivery = _delivery(factory, request_id)
    assert request.status == "new" and delivery.status == "pending" and delivery.attempts == 1
    assert delivery.last_error == "could not connect to the webhook receiver"
    assert (
        now + 5 * SECONDS <= delivery.next_attempt_at <= now + 10 * SECONDS
    )  # base 10 s, jittered

    assert _run(factory, settings, now + 4 * SECONDS).attempted == 0  # not due yet
    receiver.start()
    report = _run(factory, settings, delivery.next_attempt_at)
    assert report.delivered == 1
    request, delivery = _delivery(factory, request_id)
    assert request.status == "delivered" and delivery.status == "delivered"
    assert delivery.delivered_at == request.updated_at and delivery.last_error is None

    assert _run(factory, settings, now + dt.timedelta(days=1)).attempted == 0  # nothing left to do
    assert len(receiver.hits) == 1 and receiver.hits[0].signature_ok
    assert list(receiver.processed) == [delivery.idempotency_key]
    body = receiver.processed[delivery.idempotency_key]
    assert verify_signature(webhook_secret, body, signature(webhook_secret, body))
    sent = json.loads(body)
    assert sent["event"] == "booking_request.created" and sent["version"] == 2
    assert "id" not in sent["request"]  # internal ids stay internal
    assert (
        sent["request"]["reference"] == request.reference
        and sent["request"]["name"] == "José Ñúñez"
    )
    assert sent["request"]["phone"] == "+12025550123"
    assert sent["request"]["consent_at"].endswith("Z")


def test_lost_answer_is_retried_with_the_same_key_and_body_and_the_receiver_dedups(
    factory, receiver, webhook_secret, now
):
    booking = webhook_booking(receiver.url)
    booking["webhook"]["timeout_seconds"] = 0.3
    settings = make_settings(booking)
    request_id = _submit(factory, settings, now)
    receiver.delay_after_processing = 1.0  # it processes, but answers too late
    receiver.start()
    assert _run(factory, settings, now).retrying == 1
    _, delivery = _delivery(factory, request_id)
    assert delivery.last_error == "no answer within 0.3s"
    receiver.delay_after_processing = 0.0
    assert _run(factory, settings, delivery.next_attempt_at).delivered == 1
    assert len(receiver.hits) == 2
    assert receiver.hits[0].key == receiver.hits[1].key == delivery.idempotency_key
    assert receiver.hits[0].body == receiver.hits[1].body  # byte-identical on retry
    assert len(receiver.processed) == 1  # processed once


@pytest.mark.parametrize("status", [500, 502, 503, 408, 429])
def test_temporary_http_errors_are_retried(factory, receiver, webhook_secret, now, status):
    settings = make_settings(webhook_booking(receiver.url))
    request_id = _submit(factory, settings, now)
    receiver.fail_next(status)
    receiver.start()
    assert _run(factory, settings, now).retrying == 1
    _, delivery = _delivery(factory, request_id)
    assert delivery.last_error == f"HTTP {status} from the webhook receiver"
    assert _run(factory, settings, delivery.next_attempt_at).delivered == 1
    assert len(receiver.processed) == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422, 302])
def test_permanent_http_errors_fail_at_once(factory, receiver, webhook_secret, now, status):
    settings = make_settings(webhook_booking(receiver.url))
    request_id = _submit(factory, settings, now)
    receiver.fail_next(
        status, headers={"Location": "https://elsewhere.example/"} if status == 302 else None
    )
    receiver.start()
    report = _run(factory, settings, now)
    assert (report.delivered, report.retrying, report.failed) == (0, 0, 1)
    request, delivery = _delivery(factory, request_id)
    assert request.status == "failed" and delivery.status == "failed" and delivery.attempts == 1
    assert delivery.next_attempt_at is None
    assert delivery.last_error == f"HTTP {status} from the webhook receiver"
    assert _run(factory, settings, now + dt.timedelta(days=1)).attempted == 0
    assert len(receiver.hits) == 1  # the redirect was not followed


def test_retry_after_is_respected(factory, receiver, webhook_secret, now):
    settings = make_settings(webhook_booking(receiver.url))
    request_id = _submit(factory, settings, now)
    receiver.fail_next(429, headers={"Retry-After": "120"})
    receiver.start()
    _run(factory, settings, now)
    _, delivery = _delivery(factory, request_id)
    assert delivery.next_attempt_at == now + 120 * SECONDS


def test_gives_up_after_max_attempts_with_growing_delays(factory, receiver, webhook_secret, now):
    settings = make_settings(webhook_booking(receiver.url, max_attempts=4, base_delay_seconds=10))
    request_id = _submit(factory, settings, now)
    receiver.fail_next(503, times=10)
    receiver.start()
    moment, delays = now, []
    for _ in range(3):
        assert _run(factory, settings, moment).retrying == 1
        _, delivery = _delivery(factory, request_id)
        delays.append((delivery.next_attempt_at - moment).total_seconds())
        moment = delivery.next_attempt_at
    for attempt, delay in enumerate(delays, start=1):
        ceiling = 10 * 2 ** (attempt - 1)
        assert ceiling / 2 <= delay <= ceiling
    assert _run(factory, settings, moment).failed == 1
    request, delivery = _delivery(factory, request_id)
    assert (request.status, delivery.status, delivery.attempts) == ("failed", "failed", 4)
    assert delivery.last_error == "HTTP 503 from the webhook receiver"
    assert len(receiver.hits) == 4 and not receiver.processed


def test_backoff_is_capped_and_repeatable_with_a_seed():
    retry = RetryConfig(base_delay_seconds=30, max_delay_seconds=300)
    first = [backoff_seconds(n, retry, random.Random(3)) for n in range(1, 12)]
    assert first == [backoff_seconds(n, retry, random.Random(3)) for n in range(1, 12)]
    assert all(150 <= d <= 300 for d in first[4:])
    assert 15 <= first[0] <= 30
    assert backoff_seconds(10_000, retry, random.Random(1)) <= 300


def test_missing_secret_keeps_the_request_and_retries(factory, receiver, monkeypatch, now):
    settings = make_settings(webhook_booking(receiver.url))
    monkeypatch.delenv("PIT_TEST_WEBHOOK_SECRET", raising=False)
    request_id = _submit(factory, settings, now)
    receiver.start()
    assert _run(factory, settings, now).retrying == 1
    _, delivery = _delivery(factory, request_id)
    assert delivery.last_error == "environment variable PIT_TEST_WEBHOOK_SECRET is not set"
    assert receiver.hits == []


def test_restart_survival_a_new_engine_on_the_same_database_delivers_the_pending_row(
    db_url, factory, receiver, webhook_secret, now
):
    settings = make_settings(webhook_booking(receiver.url))
    request_id = _submit(factory, settings, now)
    assert _run(factory, settings, now).retrying == 1
    dispose_engines()  # "the assistant stops": every pooled connection is closed

    receiver.start()
    engine = make_engine(db_url)  # "the assistant starts again"
    try:
        restarted = session_factory(engine=engine)
        report = _run(restarted, settings, now + dt.timedelta(hours=1))
        assert report.delivered == 1
        request, delivery = _delivery(restarted, request_id)
    finally:
        engine.dispose()
    assert request.status == "delivered" and delivery.attempts == 2
    assert list(receiver.processed) == [delivery.idempotency_key] and len(receiver.hits) == 1


def test_two_workers_never_send_the_same_row_twice(db_url, factory, receiver, webhook_secret, now):
    # One patient's details 24 times: raise the per-contact daily limit for this test.
    settings = make_settings(webhook_booking(receiver.url), limits=MANY_PER_DAY)
    ids = [_submit(factory, settings, now, name=f"Patient {n}") for n in range(24)]
    receiver.start()
    engines = [make_engine(db_url) for _ in range(2)]

    def work(n: int) -> None:
        for _ in range(6):
            deliver_due(
                session_factory(engine=engines[n]),
                now,
                settings=settings,
                rng=random.Random(n),
                limit=5,
            )

    errors = run_in_threads(len(engines), work)
    for engine in engines:
        engine.dispose()
    assert not errors
    keys = [hit.key for hit in receiver.hits]
    assert len(keys) == len(set(keys)) == len(ids)  # every row sent, none twice
    with session_scope(factory) as session:
        assert {r.status for r in repository.list_requests(session)} == {"delivered"}


def test_request_erased_while_sending_is_not_resurrected(factory, receiver, webhook_secret, now):
    settings = make_settings(webhook_booking(receiver.url))
    request_id = _submit(factory, settings, now)
    with session_scope(factory) as session:
        (claim,) = repository.claim_due(session, now, 60, ["webhook"])
    with session_scope(factory) as session:
        assert repository.erase_by_contact(session, email="jose.nunez@example.org") == 1
    with session_scope(factory) as session:
        assert not repository.mark_delivered(session, claim.id, request_id, now, claim.attempts)
        assert repository.get_request(session, request_id) is None


def test_rows_for_a_channel_switched_off_are_failed_visibly(factory, receiver, webhook_secret, now):
    request_id = _submit(factory, make_settings(webhook_booking(receiver.url)), now)
    link_only = make_settings({"handoff": ["link"]})
    assert _run(factory, link_only, now).failed == 1
    request, delivery = _delivery(factory, request_id)
    assert request.status == "failed" and "no longer enabled" in delivery.last_error


def test_signature_is_hmac_sha256_of_the_exact_body():
    body = canonical_body({"b": 1, "a": "José"})
    assert body == '{"a":"José","b":1}'.encode("utf-8")
    expected = "sha256=" + __import__("hmac").new(b"k", body, "sha256").hexdigest()
    assert signature("k", body) == expected
    assert verify_signature("k", body, expected)
    assert not verify_signature("k", body + b" ", expected)
    assert not verify_signature("other", body, expected)
    assert not verify_signature("k", body, None)


def test_adapters_follow_the_handoff_setting():
    settings = make_settings(webhook_booking("https://hooks.example.org/x"))
    assert list(build_adapters(parse_booking_config(settings), settings)) == ["webhook"]


def test_rows_are_claimed_in_chunks_that_fit_the_lease(factory, receiver, webhook_secret, now):
    booking = webhook_booking(receiver.url, lease_seconds=5)
    booking["webhook"]["timeout_seconds"] = 1  # a send takes at most ~3 s: one row per claim
    settings = make_settings(booking, limits=MANY_PER_DAY)
    adapters = build_adapters(parse_booking_config(settings), settings)
    assert chunk_size(adapters.values(), 5, 50) == 1
    assert chunk_size(adapters.values(), 120, 50) == 40
    assert chunk_size(adapters.values(), 120, 10) == 10
    for n in range(3):
        _submit(factory, settings, now, name=f"Patient {n}")
    receiver.start()
    assert _run(factory, settings, now).delivered == 3  # all sent in one run, one claim each
    for n in range(3):
        _submit(factory, settings, now, name=f"Later {n}")
    assert deliver_due(factory, now, settings=settings, limit=2).delivered == 2  # the limit holds
    assert deliver_due(factory, now, settings=settings, limit=2).delivered == 1


def test_a_signature_header_with_non_ascii_text_is_refused_not_an_error():
    """compare_digest on two str raised TypeError for non-ASCII; it now compares bytes."""
    body = canonical_body({"reference": "K7M2QX9P"})
    assert verify_signature("k", body, "sha256=é" + "0" * 63) is False
    assert verify_signature("k", body, "\udc80") is False
