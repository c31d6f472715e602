"""The spool (bot/bookings/spool.py) on its own, with SQLite: files, locks, odd cases.

The database-down fault itself, end to end through the submit action, is tested on the
real PostgreSQL in tests/scale/test_postgres_fault.py.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.bookings import repository, spool
from bot.bookings.db import session_scope
from bot.bookings.intake import MissingContact
from bot.bookings.service import submit_request
from tests.support.booking_data import details, make_settings

SETTINGS = make_settings({"handoff": ["link"]}, limits={"booking_requests_per_day": 50})


def stored(factory: sessionmaker) -> list:
    with session_scope(factory) as session:
        return repository.list_requests(session)


def test_a_kept_request_is_owner_only_and_reads_back_unchanged(tmp_path: Path):
    folder = tmp_path / "spool"
    request = details()
    path = spool.put(request, "K7M2Q9PX", directory=folder)
    assert folder.stat().st_mode & 0o777 == 0o700 and path.stat().st_mode & 0o777 == 0o600
    item = spool.load(path)
    assert item.reference == "K7M2Q9PX"
    assert (item.details.name, item.details.phone, item.details.pain_area) == (
        request.name,
        request.phone,
        request.pain_area,
    )
    assert item.details.consent_at == request.consent_at.isoformat()  # type: ignore[union-attr]
    assert [p.suffix for p in folder.iterdir()] == [".json"]  # no temporary file left


def test_the_spool_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(spool, "MAX_SPOOLED", 2)
    for code in ("AAAAAAAA", "BBBBBBBB"):
        spool.put(details(), code, directory=tmp_path)
    with pytest.raises(spool.SpoolUnavailable):
        spool.put(details(), "CCCCCCCC", directory=tmp_path)


def test_an_unreadable_file_is_set_aside_and_the_others_are_stored(
    factory: sessionmaker, tmp_path: Path
):
    (tmp_path / "00000000T000000000000Z-BADBADBA.json").write_text("{not json", encoding="utf-8")
    spool.put(details(conversation_id="good"), "GGGGGGGG", directory=tmp_path)
    report = spool.drain(factory, SETTINGS, directory=tmp_path)
    assert (report.stored, report.set_aside) == (1, 1)
    assert [r.reference for r in stored(factory)] == ["GGGGGGGG"]
    assert spool.pending(tmp_path) == []
    assert [p.name for p in (tmp_path / spool.BAD_DIR_NAME).iterdir()] == [
        "00000000T000000000000Z-BADBADBA.json"
    ]  # kept for staff, never deleted


def test_a_file_another_process_is_storing_is_left_to_it(factory: sessionmaker, tmp_path: Path):
    path = spool.put(details(), "LLLLLLLL", directory=tmp_path)
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # as the other drainer holds it
        assert spool.drain(factory, SETTINGS, directory=tmp_path).stored == 0
        assert stored(factory) == [] and spool.pending(tmp_path) == [path]
    finally:
        os.close(fd)
    assert spool.drain(factory, SETTINGS, directory=tmp_path).stored == 1


def test_a_code_another_request_already_has_gets_a_new_one(factory: sessionmaker, tmp_path: Path):
    first = submit_request(details(conversation_id="first"), settings=SETTINGS, factory=factory)
    spool.put(details(conversation_id="second"), first.reference, directory=tmp_path)
    assert spool.drain(factory, SETTINGS, directory=tmp_path).stored == 1
    codes = {r.conversation_id: r.reference for r in stored(factory)}
    assert codes["first"] == first.reference and codes["second"] != first.reference


def test_a_refused_answer_is_never_spooled(tmp_path: Path):
    with pytest.raises(MissingContact):
        submit_request(details(phone=None, email=None), settings=SETTINGS, spool_directory=tmp_path)
    assert spool.pending(tmp_path) == []


def test_a_commit_whose_answer_was_lost_is_not_stored_twice(factory: sessionmaker, tmp_path: Path):
    """PostgreSQL committed, then the connection dropped before it said so (a restart at
    that moment): the request goes to the spool, and draining it must not store it again."""
    folder = tmp_path / "spool"
    lost = []

    class AnswerLost(Session):
        def commit(self) -> None:
            super().commit()
            if not lost:
                lost.append(True)
                raise OperationalError(
                    "COMMIT", {}, ConnectionError("server closed the connection")
                )

    losing = sessionmaker(bind=factory.kw["bind"], class_=AnswerLost, future=True)
    result = submit_request(details(), settings=SETTINGS, factory=losing, spool_directory=folder)
    assert lost and result.spooled  # the patient is told it is kept, under this reference
    assert spool.drain(factory, SETTINGS, directory=folder).already_stored == 1
    assert [r.reference for r in stored(factory)] == [result.reference]
