"""Storage rules. Database-neutral: tests/scale runs these again on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.bookings import repository
from bot.bookings.adapters import build_adapters
from bot.bookings.config import parse_booking_config
from bot.bookings.db import session_scope
from bot.bookings.intake import MissingConsent, MissingContact
from bot.bookings.models import BookingRequest, Delivery
from bot.bookings.service import submit_request
from bot.bookings.validation import (
    InvalidEmail,
    InvalidInput,
    InvalidName,
    InvalidPhone,
    InvalidText,
)
from tests.support.booking_data import SECRET_ENV, details, make_settings

SETTINGS = make_settings(
    {
        "handoff": ["link", "webhook", "email"],
        "link": {"params": {"name": "n", "email": "e"}},
        "webhook": {"url": "https://hooks.example.org/pit", "secret_env": SECRET_ENV},
        "email": {
            "host": "smtp.example.org",
            "from": "bot@clinic.example",
            "to": "desk@clinic.example",
        },
    }
)
ADAPTERS = list(build_adapters(parse_booking_config(SETTINGS), SETTINGS).values())


def _create(factory, now=None, adapters=ADAPTERS, **changes):
    with session_scope(factory) as session:
        request = repository.create_request(session, details(**changes), adapters, "US", now=now)
        return request.id


def _counts(factory):
    with session_scope(factory) as session:
        requests = session.execute(select(func.count()).select_from(BookingRequest)).scalar_one()
        deliveries = session.execute(select(func.count()).select_from(Delivery)).scalar_one()
    return requests, deliveries


def test_request_and_one_outbox_row_per_channel_are_stored_together(factory, now):
    request_id = _create(factory, now=now)
    with session_scope(factory) as session:
        request = repository.get_request(session, request_id)
    assert request.kind == "booking" and request.status == "new"
    assert request.name == "José Ñúñez" and request.phone == "+12025550123"
    assert request.email == "jose.nunez@example.org" and request.patient_type == "new"
    assert [d.adapter for d in request.deliveries] == ["link", "webhook", "email"]
    link, webhook, email = request.deliveries
    assert link.status == "delivered" and link.delivered_at == now
    assert link.payload["url"].startswith("https://demo-pain-clinic.example/book?n=Jos%C3%A9%20")
    assert webhook.status == email.status == "pending"
    assert webhook.next_attempt_at == now and webhook.attempts == 0
    assert webhook.payload["request"]["reference"] == request.reference
    assert "id" not in webhook.payload["request"]  # the internal id stays internal
    assert webhook.payload["request"]["phone"] == "+12025550123"
    assert len({d.idempotency_key for d in request.deliveries}) == 3


def test_timestamps_come_back_as_aware_utc(factory):
    paris = dt.timezone(dt.timedelta(hours=2))
    consent = dt.datetime(2024, 5, 1, 14, 30, tzinfo=paris)
    request_id = _create(
        factory, now=dt.datetime(2024, 5, 1, 12, 31, tzinfo=dt.timezone.utc), consent_at=consent
    )
    with session_scope(factory) as session:
        request = repository.get_request(session, request_id)
    for moment in (
        request.consent_at,
        request.created_at,
        request.updated_at,
        request.deliveries[1].next_attempt_at,
    ):
        assert moment.tzinfo is not None and moment.utcoffset() == dt.timedelta(0)
    assert request.consent_at == consent and request.consent_at.hour == 12


@pytest.mark.parametrize(
    "field, value",
    [
        ("name", "Robert'); DROP TABLE booking_requests;--"),
        ("name", "<script>alert(1)</script>"),
        ("pain_area", "'); DROP TABLE bookings;--"),
        ("pain_area", "<script>alert(1)</script>"),
        ("preferred_times", "%s %(x)s {0} \\x00 ${jndi:ldap://x}"),
        ("name", "李小龙"),
        ("name", "O'Brien-Smith"),
        ("pain_area", "腰痛 🌙 — ça fait mal"),
    ],
)
def test_odd_text_is_stored_verbatim_and_harmlessly(factory, field, value):
    request_id = _create(factory, **{field: value})
    with session_scope(factory) as session:
        assert getattr(repository.get_request(session, request_id), field) == value
    assert _counts(factory) == (1, 3)  # the tables are still there and intact
    _create(factory)
    assert _counts(factory) == (2, 6)


@pytest.mark.parametrize(
    "changes, error, field",
    [
        ({"name": ""}, InvalidName, "name"),
        ({"name": "x" * 101}, InvalidName, "name"),
        ({"name": "x" * 10_000_000}, InvalidName, "name"),
        ({"phone": "12"}, InvalidPhone, "phone"),
        ({"email": "not-an-email"}, InvalidEmail, "email"),
        ({"email": "a@b.org\r\nBcc: x@y.org"}, InvalidEmail, "email"),
        ({"pain_area": "x" * 501}, InvalidText, "text"),
        ({"preferred_times": "y" * 100_000}, InvalidText, "text"),
        ({"patient_type": "sometimes"}, InvalidText, "text"),
        ({"consent_at": None}, MissingConsent, "consent"),
        ({"phone": None, "email": " "}, MissingContact, "contact"),
        ({"kind": "callback", "phone": ""}, MissingContact, "contact"),
    ],
)
def test_bad_input_is_refused_clearly_and_nothing_is_stored(factory, changes, error, field):
    with pytest.raises(error) as caught:
        _create(factory, **changes)
    assert (
        isinstance(caught.value, InvalidInput) and caught.value.field == field and caught.value.hint
    )
    assert _counts(factory) == (0, 0)


def test_programming_errors_are_not_dressed_up_as_patient_errors(factory, now):
    with pytest.raises(ValueError, match="timezone-aware"):
        _create(factory, consent_at=dt.datetime(2024, 1, 1, 12, 0))
    with pytest.raises(ValueError, match="future"):
        _create(factory, now=now, consent_at=now + dt.timedelta(hours=1))
    with pytest.raises(ValueError, match="kind"):
        _create(factory, kind="appointment")
    assert _counts(factory) == (0, 0)


def test_consent_time_may_come_from_a_slot_as_iso_text(factory, now):
    request_id = _create(factory, now=now, consent_at="2024-05-01T12:30:00Z")
    with session_scope(factory) as session:
        consent = repository.get_request(session, request_id).consent_at
    assert consent == dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.timezone.utc)
    with pytest.raises(ValueError, match="ISO 8601"):
        _create(factory, consent_at="yesterday")
    with pytest.raises(ValueError, match="timezone-aware"):
        _create(factory, consent_at="2024-05-01T12:30:00")
    with pytest.raises(MissingConsent):
        _create(factory, consent_at="  ")
    assert _counts(factory) == (1, 3)


def test_email_only_and_phone_only_requests_are_fine(factory):
    _create(factory, phone=None)
    _create(factory, email="")
    _create(factory, kind="callback", email=None, pain_area=None, patient_type=None)
    with session_scope(factory) as session:
        kinds = sorted(
            (r.kind, bool(r.phone), bool(r.email)) for r in repository.list_requests(session)
        )
    assert kinds == [("booking", False, True), ("booking", True, False), ("callback", True, False)]


def test_channel_and_conversation_id_are_made_safe_not_refused(factory):
    request_id = _create(
        factory, channel="Socket IO; DROP TABLE x", conversation_id="abc\x00\u202edef" + "z" * 400
    )
    with session_scope(factory) as session:
        request = repository.get_request(session, request_id)
    assert request.channel == "socket_io_drop_table_x"
    assert request.conversation_id.startswith("abcdef") and len(request.conversation_id) == 255


def test_a_failure_half_way_leaves_nothing_behind(factory):
    _create(factory)
    with session_scope(factory) as session:
        existing = session.execute(select(Delivery.idempotency_key)).scalars().first()
    keys = itertools.chain(["pit-fresh-key"], itertools.repeat(existing))  # 2nd row collides
    with pytest.raises(IntegrityError):
        with session_scope(factory) as session:
            repository.create_request(
                session,
                details(name="Second Patient"),
                ADAPTERS,
                "US",
                key_factory=lambda: next(keys),
            )
    assert _counts(factory) == (1, 3)
    with session_scope(factory) as session:
        assert [r.name for r in repository.list_requests(session)] == ["José Ñúñez"]


def test_list_filters_and_order(factory, now):
    first = _create(factory, now=now - dt.timedelta(minutes=3))
    second = _create(factory, now=now - dt.timedelta(minutes=2), kind="callback")
    third = _create(factory, now=now - dt.timedelta(minutes=1))
    with session_scope(factory) as session:
        repository.cancel_request(session, third)
    with session_scope(factory) as session:
        assert [r.id for r in repository.list_requests(session)] == [third, second, first]
        assert [r.id for r in repository.list_requests(session, kind="callback")] == [second]
        assert [r.id for r in repository.list_requests(session, status="cancelled")] == [third]
        assert [r.id for r in repository.list_requests(session, status="new", kind="booking")] == [
            first
        ]
        assert [r.id for r in repository.list_requests(session, limit=1)] == [third]
        with pytest.raises(ValueError, match="status"):
            repository.list_requests(session, status="bogus")
        with pytest.raises(ValueError, match="kind"):
            repository.list_requests(session, kind="bogus")


def test_cancel_stops_pending_sends_and_retry_restarts_failed_ones(factory, now):
    request_id = _create(factory, now=now)
    with session_scope(factory) as session:
        assert repository.cancel_request(session, request_id)
        assert not repository.cancel_request(session, 999_999)
    with session_scope(factory) as session:
        request = repository.get_request(session, request_id)
        assert request.status == "cancelled"
        assert [d.status for d in request.deliveries] == ["delivered", "cancelled", "cancelled"]
        assert repository.claim_due(session, now, 60, ["webhook", "email"]) == []

    other = _create(factory, now=now)
    with session_scope(factory) as session:
        delivery = repository.get_request(session, other).deliveries[1]
        assert repository.mark_failed(
            session, delivery.id, other, "HTTP 400 from the webhook receiver", now
        )
    with session_scope(factory) as session:
        assert repository.get_request(session, other).status == "new"  # email still pending
        assert repository.retry_failed(session, other, now) == 1
        assert repository.retry_failed(session, 424242, now) == 0
    with session_scope(factory) as session:
        webhook = repository.get_request(session, other).deliveries[1]
        assert (webhook.status, webhook.attempts, webhook.last_error) == ("pending", 0, None)


def test_request_status_follows_the_clinic_side_deliveries(factory, now):
    request_id = _create(factory, now=now)
    with session_scope(factory) as session:
        _, webhook, email = repository.get_request(session, request_id).deliveries
        repository.mark_failed(
            session, webhook.id, request_id, "HTTP 404 from the webhook receiver", now
        )
    with session_scope(factory) as session:
        assert repository.get_request(session, request_id).status == "new"
        repository.mark_delivered(session, email.id, request_id, now)
    with session_scope(factory) as session:
        assert repository.get_request(session, request_id).status == "delivered"

    only_webhook = _create(factory, now=now, adapters=ADAPTERS[:2])
    with session_scope(factory) as session:
        webhook = repository.get_request(session, only_webhook).deliveries[1]
        repository.mark_failed(
            session, webhook.id, only_webhook, "HTTP 404 from the webhook receiver", now
        )
    with session_scope(factory) as session:  # the link alone does not count as "clinic told"
        assert repository.get_request(session, only_webhook).status == "failed"

    link_only = _create(factory, now=now, adapters=ADAPTERS[:1])
    nothing = _create(factory, now=now, adapters=[])
    with session_scope(factory) as session:
        assert repository.get_request(session, link_only).status == "delivered"
        assert repository.get_request(session, nothing).status == "new"


def test_claims_are_exclusive_and_leases_expire(factory, now):
    request_id = _create(factory, now=now)
    with session_scope(factory) as session:
        first = repository.claim_due(session, now, 120, ["webhook", "email"])
    with session_scope(factory) as session:
        assert repository.claim_due(session, now, 120, ["webhook", "email"]) == []
        assert (
            repository.claim_due(session, now + dt.timedelta(seconds=119), 120, ["webhook"]) == []
        )
    assert sorted(c.adapter for c in first) == ["email", "webhook"]
    assert all(c.attempts == 1 and c.request_id == request_id for c in first)
    later = now + dt.timedelta(seconds=121)
    with session_scope(factory) as session:  # the first worker died: the lease ran out
        again = repository.claim_due(session, later, 120, ["webhook"])
    assert [c.attempts for c in again] == [2]
    webhook = next(c for c in first if c.adapter == "webhook")
    with session_scope(factory) as session:  # the first worker's late result is refused
        assert not repository.mark_delivered(
            session, webhook.id, request_id, later, claimed_attempts=1
        )
        assert repository.mark_delivered(session, webhook.id, request_id, later, claimed_attempts=2)


def test_purge_deletes_only_old_requests_with_their_outbox_rows(factory, now):
    old = [
        _create(factory, now=now - dt.timedelta(days=d), consent_at=now - dt.timedelta(days=d))
        for d in (400, 91)
    ]
    recent = _create(
        factory, now=now - dt.timedelta(days=89), consent_at=now - dt.timedelta(days=89)
    )
    with session_scope(factory) as session:
        assert repository.count_older_than(session, 90, now) == 2
        assert repository.purge_older_than(session, 90, now) == 2
    with session_scope(factory) as session:
        assert [r.id for r in repository.list_requests(session)] == [recent]
        remaining = set(session.execute(select(Delivery.request_id)).scalars())
    assert remaining == {recent} and not set(old) & remaining
    with session_scope(factory) as session:
        assert repository.purge_older_than(session, 90, now) == 0
        with pytest.raises(ValueError):
            repository.purge_older_than(session, -1, now)


def test_erase_by_phone_in_any_format_and_by_email_in_any_case(factory):
    a = _create(factory, phone="(202) 555-0123", email="jose@example.org")
    b = _create(factory, phone="+1 202 555 0123", email=None, kind="callback")
    c = _create(factory, phone="(415) 555-0132", email="Other@Example.ORG")
    d = _create(factory, phone=None, email="other@example.org")
    with session_scope(factory) as session:
        assert repository.count_by_contact(session, phone="202-555-0123", phone_region="US") == 2
        assert repository.erase_by_contact(session, phone="202-555-0123", phone_region="US") == 2
    with session_scope(factory) as session:
        assert repository.erase_by_contact(session, email="OTHER@example.org") == 2
    with session_scope(factory) as session:
        assert repository.list_requests(session) == []
        assert session.execute(select(func.count()).select_from(Delivery)).scalar_one() == 0
    assert {a, b, c, d}
    with session_scope(factory) as session:
        assert repository.erase_by_contact(session, email="nobody@example.org") == 0
        with pytest.raises(InvalidPhone):
            repository.erase_by_contact(session, phone="12", phone_region="US")
        with pytest.raises(ValueError, match="exactly one"):
            repository.erase_by_contact(session, phone="(202) 555-0123", email="x@example.org")
        with pytest.raises(ValueError, match="exactly one"):
            repository.erase_by_contact(session)


def test_erase_leaves_other_patients_alone(factory):
    keep = _create(factory, phone="(415) 555-0132", email="keep@example.org")
    _create(factory, phone="(202) 555-0123", email="gone@example.org")
    with session_scope(factory) as session:
        assert repository.erase_by_contact(session, email="gone@example.org") == 1
    with session_scope(factory) as session:
        assert [r.id for r in repository.list_requests(session)] == [keep]
        assert len(repository.get_request(session, keep).deliveries) == 3


def test_submit_request_returns_the_prefilled_link(factory, now):
    result = submit_request(details(kind="callback"), settings=SETTINGS, factory=factory, now=now)
    assert result.kind == "callback" and result.request_id > 0
    assert (
        result.link_url
        == "https://demo-pain-clinic.example/book?n=Jos%C3%A9%20%C3%91%C3%BA%C3%B1ez&e=jose.nunez%40example.org"
    )
    with pytest.raises(InvalidPhone):
        submit_request(details(phone="nope"), settings=SETTINGS, factory=factory, now=now)
    assert _counts(factory) == (1, 3)
