"""Request references: random, unambiguous, unique, and the only id patients and staff see."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.bookings import repository
from bot.bookings.db import session_scope
from bot.bookings.references import ALPHABET, LENGTH, new_reference, normalise_reference
from bot.bookings.service import submit_request
from tests.support.booking_data import details, make_settings

LOOK_ALIKES = set("0O1IL")


def test_codes_are_long_random_and_free_of_look_alike_characters():
    codes = [new_reference() for _ in range(2000)]
    assert LENGTH >= 8 and not LOOK_ALIKES & set(ALPHABET)
    assert all(re.fullmatch(f"[{ALPHABET}]{{{LENGTH}}}", c) for c in codes)
    assert len(set(codes)) == len(codes)
    # Not a counter: consecutive codes share no common prefix order.
    assert codes != sorted(codes)


@pytest.mark.parametrize(
    "typed, stored",
    [("k7m2q9px", "K7M2Q9PX"), ("K7M2-Q9PX", "K7M2Q9PX"), (" k7m2 q9px ", "K7M2Q9PX")],
)
def test_staff_may_type_a_reference_loosely(typed, stored):
    assert normalise_reference(typed) == stored


@pytest.mark.parametrize("typed", ["", "1", "12", "K7M2Q9P", "K7M2Q9PXX", "K7M2Q9P0", "../../x"])
def test_anything_else_is_not_a_reference(typed):
    assert normalise_reference(typed) is None


def test_consecutive_requests_get_unrelated_references(factory):
    settings = make_settings({"handoff": ["link"]})
    settings = make_settings({"handoff": ["link"]}, limits={"booking_requests_per_day": 10})
    results = [submit_request(details(), settings=settings, factory=factory) for _ in range(5)]
    references = [r.reference for r in results]
    assert len(set(references)) == 5
    assert all(r.reference != str(r.request_id) for r in results)
    with session_scope(factory) as session:
        for result in results:
            assert repository.find_by_reference(session, result.reference.lower()).id == (
                result.request_id
            )
        assert repository.find_by_reference(session, str(results[0].request_id)) is None


def test_a_clashing_code_is_never_reused(factory):
    settings = make_settings({"handoff": ["link"]})
    first = submit_request(details(), settings=settings, factory=factory).reference
    codes = iter([first, first, "ABCDEFGH"])
    with session_scope(factory) as session:
        assert repository.unused_reference(session, lambda: next(codes)) == "ABCDEFGH"


def test_the_database_refuses_a_duplicate_reference(factory):
    settings = make_settings({"handoff": ["link"]})
    first = submit_request(details(), settings=settings, factory=factory)
    second = submit_request(details(), settings=settings, factory=factory)
    with pytest.raises(IntegrityError):
        with session_scope(factory) as session:
            session.execute(
                text("UPDATE booking_requests SET reference = :r WHERE id = :i"),
                {"r": first.reference, "i": second.request_id},
            )
