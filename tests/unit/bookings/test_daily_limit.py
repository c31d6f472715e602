"""limits.booking_requests_per_day: a phone number or email can send only so many a day."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.bookings import repository
from bot.bookings.db import session_scope
from bot.bookings.repository import DailyLimitReached
from bot.bookings.service import submit_request
from tests.support.booking_data import details, make_settings

HOUR = dt.timedelta(hours=1)


def _count(factory) -> int:
    with session_scope(factory) as session:
        return len(repository.list_requests(session))


def test_the_fourth_request_in_a_day_is_refused_and_not_stored(factory, now):
    settings = make_settings({"handoff": ["link"]})
    assert settings.limits.booking_requests_per_day == 3
    for n in range(3):
        submit_request(details(), settings=settings, factory=factory, now=now + n * HOUR)
    with pytest.raises(DailyLimitReached) as reached:
        submit_request(details(), settings=settings, factory=factory, now=now + 3 * HOUR)
    assert reached.value.limit == 3 and _count(factory) == 3


def test_the_same_phone_written_differently_or_the_same_email_counts(factory, now):
    settings = make_settings({"handoff": ["link"]}, limits={"booking_requests_per_day": 2})
    submit_request(details(email=None), settings=settings, factory=factory, now=now)
    submit_request(details(phone=None), settings=settings, factory=factory, now=now)
    with pytest.raises(DailyLimitReached):  # the phone as +1 ..., email in capitals
        submit_request(
            details(phone="+1 202 555 0123", email="JOSE.NUNEZ@example.org"),
            settings=settings,
            factory=factory,
            now=now,
        )


def test_other_patients_and_the_next_day_are_not_affected(factory, now):
    settings = make_settings({"handoff": ["link"]}, limits={"booking_requests_per_day": 1})
    submit_request(details(), settings=settings, factory=factory, now=now)
    other = details(phone="(202) 555-0188", email="someone.else@example.org")
    submit_request(other, settings=settings, factory=factory, now=now)
    later = now + dt.timedelta(hours=24, minutes=1)
    submit_request(details(), settings=settings, factory=factory, now=later)
    assert _count(factory) == 3
