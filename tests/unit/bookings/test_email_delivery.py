"""Email delivery against a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import random

from bot.bookings import repository
from bot.bookings.adapters import EmailAdapter
from bot.bookings.config import parse_booking_config
from bot.bookings.db import session_scope
from bot.bookings.delivery import deliver_due
from bot.bookings.service import submit_request
from tests.support.booking_data import details, make_settings
from tests.support.receivers import self_signed_cert

CLINIC_TO = ["desk@clinic.example", "dr.morgan@clinic.example"]


def _settings(port: int, **email):
    config = {
        "host": "127.0.0.1",
        "port": port,
        "from": "assistant@clinic.example",
        "to": CLINIC_TO,
        "starttls": False,
        "timeout_seconds": 5,
    }
    config.update(email)
    return make_settings(
        {
            "handoff": ["email"],
            "email": config,
            "delivery": {"max_attempts": 3, "base_delay_seconds": 20},
        }
    )


def _submit(factory, settings, now, **changes):
    return submit_request(
        details(**changes), settings=settings, factory=factory, now=now
    ).request_id


def _delivery(factory, request_id):
    with session_scope(factory) as session:
        request = repository.get_request(session, request_id)
        return request, request.deliveries[0]


def _run(factory, settings, now):
    return deliver_due(factory, now, settings=settings, rng=random.Random(1))


def test_request_arrives_as_a_plain_text_email(factory, smtp_sink, now):
    settings = _settings(smtp_sink.port)
    request_id = _submit(
        factory,
        settings,
        now,
        name="李小龙",
        email="li@bücher.example",
        preferred_times="Mon 9-11\nor Fri after 3",
    )
    smtp_sink.start()
    assert _run(factory, settings, now).delivered == 1
    request, delivery = _delivery(factory, request_id)
    assert request.status == "delivered" and delivery.status == "delivered"

    (received,) = smtp_sink.received
    assert received.mail_from == "assistant@clinic.example" and received.rcpt_tos == CLINIC_TO
    message = received.message()
    assert message["Message-ID"] == f"<{delivery.idempotency_key}@clinic.example>"
    assert message["Subject"] == f"[Demo Pain Clinic] Booking request #{request.reference}"
    assert "李" not in message["Subject"] and "555" not in message["Subject"]  # no PII in subjects
    assert message["Reply-To"] == "li@xn--bcher-kva.example"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "text/plain"
    body = message.get_content().replace("\r\n", "\n")
    assert "Name: 李小龙" in body and "Phone: +12025550123" in body
    assert "Preferred days / times: Mon 9-11\n    or Fri after 3" in body
    assert "Pain area / condition: left knee, worse on stairs" in body
    assert "(America/New_York)" in body  # times in the clinic's zone


def test_callback_request_subject(factory, smtp_sink, now):
    settings = _settings(smtp_sink.port)
    request_id = _submit(factory, settings, now, kind="callback", email=None)
    smtp_sink.start()
    _run(factory, settings, now)
    message = smtp_sink.received[0].message()
    request, _ = _delivery(factory, request_id)
    assert message["Subject"] == f"[Demo Pain Clinic] Call-back request #{request.reference}"
    assert message["Reply-To"] is None


def test_server_down_is_retried_then_delivered(factory, smtp_sink, now):
    settings = _settings(smtp_sink.port)
    request_id = _submit(factory, settings, now)
    assert _run(factory, settings, now).retrying == 1
    _, delivery = _delivery(factory, request_id)
    assert delivery.last_error == "SMTP connection problem: ConnectionRefusedError"
    smtp_sink.start()
    assert _run(factory, settings, delivery.next_attempt_at).delivered == 1
    assert len(smtp_sink.received) == 1


def test_refused_clinic_address_is_a_permanent_failure(factory, smtp_sink, now):
    settings = _settings(smtp_sink.port)
    request_id = _submit(factory, settings, now)
    smtp_sink.reject.update(CLINIC_TO)
    smtp_sink.start()
    assert _run(factory, settings, now).failed == 1
    request, delivery = _delivery(factory, request_id)
    assert request.status == "failed" and "[550]" in delivery.last_error


def test_login_with_password_from_the_environment(factory, smtp_sink, monkeypatch, now):
    settings = _settings(smtp_sink.port, username="pit", password_env="PIT_TEST_SMTP_PASSWORD")
    smtp_sink.credentials = ("pit", "correct horse")
    smtp_sink.start()
    good = _submit(factory, settings, now)
    monkeypatch.setenv("PIT_TEST_SMTP_PASSWORD", "correct horse")
    assert _run(factory, settings, now).delivered == 1
    monkeypatch.setenv("PIT_TEST_SMTP_PASSWORD", "wrong")
    bad = _submit(factory, settings, now)
    assert _run(factory, settings, now).failed == 1
    _, delivery = _delivery(factory, bad)
    assert delivery.last_error == "SMTP 535 (SMTPAuthenticationError)"
    monkeypatch.delenv("PIT_TEST_SMTP_PASSWORD")
    missing = _submit(factory, settings, now)
    assert _run(factory, settings, now).retrying == 1
    _, delivery = _delivery(factory, missing)
    assert delivery.last_error == "environment variable PIT_TEST_SMTP_PASSWORD is not set"
    assert len(smtp_sink.received) == 1 and good


def test_starttls_with_a_verified_certificate(factory, smtp_sink, monkeypatch, tmp_path, now):
    cert, key = self_signed_cert(tmp_path)
    monkeypatch.setenv(
        "SSL_CERT_FILE", str(cert)
    )  # trust our test CA (as a clinic's system store would)
    smtp_sink.tls_cert = (cert, key)
    smtp_sink.credentials = ("pit", "s3cret")
    monkeypatch.setenv("PIT_TEST_SMTP_PASSWORD", "s3cret")
    smtp_sink.start()
    settings = _settings(
        smtp_sink.port, starttls=True, username="pit", password_env="PIT_TEST_SMTP_PASSWORD"
    )
    _submit(factory, settings, now)
    assert _run(factory, settings, now).delivered == 1
    assert len(smtp_sink.received) == 1


def test_untrusted_certificate_is_not_accepted(factory, smtp_sink, tmp_path, now):
    smtp_sink.tls_cert = self_signed_cert(tmp_path)
    smtp_sink.start()
    settings = _settings(smtp_sink.port, starttls=True)
    request_id = _submit(factory, settings, now)
    assert _run(factory, settings, now).failed == 1
    _, delivery = _delivery(factory, request_id)
    assert "certificate" in delivery.last_error and smtp_sink.received == []


def test_server_without_starttls_is_refused_when_starttls_is_required(factory, smtp_sink, now):
    smtp_sink.start()
    settings = _settings(smtp_sink.port, starttls=True)
    request_id = _submit(factory, settings, now)
    assert _run(factory, settings, now).failed == 1
    _, delivery = _delivery(factory, request_id)
    assert "STARTTLS" in delivery.last_error and smtp_sink.received == []


def test_temporary_refusal_is_retried_with_the_same_message_id(factory, smtp_sink, now):
    settings = _settings(smtp_sink.port, to="desk@clinic.example")
    request_id = _submit(factory, settings, now)
    smtp_sink.temporary_failures = 1
    smtp_sink.start()
    assert _run(factory, settings, now).retrying == 1
    _, delivery = _delivery(factory, request_id)
    assert delivery.last_error == "SMTP server refused the clinic address(es): [451]"
    adapter = EmailAdapter(parse_booking_config(settings).email, settings)
    first = adapter.build_message(delivery.payload, delivery.idempotency_key)
    assert _run(factory, settings, delivery.next_attempt_at).delivered == 1
    (received,) = smtp_sink.received
    assert received.message()["Message-ID"] == first["Message-ID"]
    assert received.message().get_content().replace("\r\n", "\n") == first.get_content()


def test_one_refused_clinic_address_out_of_two_still_counts_as_delivered(
    factory, smtp_sink, caplog, now
):
    settings = _settings(smtp_sink.port)
    request_id = _submit(factory, settings, now)
    smtp_sink.reject.add(CLINIC_TO[1])
    smtp_sink.start()
    assert _run(factory, settings, now).delivered == 1
    assert smtp_sink.received[0].rcpt_tos == CLINIC_TO[:1]
    assert "accepted for 1 of 2 clinic addresses" in caplog.text
    assert _delivery(factory, request_id)[0].status == "delivered"
