"""`python -m bot privacy ...` the way staff run it (SQLite).

It runs in this process (tests/support/cli.py) except in the first test, which starts
the real process."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import pytest

from bot.bookings.db import dispose_engines, session_factory, upgrade_database
from bot.bookings.service import submit_request
from tests.support.booking_data import details, make_settings, write_settings_file
from tests.support.cli import run_bot
from tests.support.privacy_data import chat, save_conversation

NOW = dt.datetime.now(dt.timezone.utc)


class Clinic:
    """A settings file, the assistant's database and a run folder with Rasa's tracker store."""

    def __init__(self, tmp_path: Path) -> None:
        self.db_url = f"sqlite:///{tmp_path / 'pit.db'}"
        self.run_dir = tmp_path / "run"
        self.run_dir.mkdir()
        self.tracker_url = f"sqlite:///{self.run_dir / 'tracker.db'}"
        settings_file = write_settings_file(tmp_path, {"handoff": ["link"]})
        self.env = dict(
            os.environ,
            PIT_DATABASE_URL=self.db_url,
            PIT_CLINIC_SETTINGS=str(settings_file),
            PIT_RUN_DIR=str(self.run_dir),
        )

    def seed(self, phone: str, sender: str, at: dt.datetime) -> str:
        upgrade_database(self.db_url)
        try:
            reference = submit_request(
                details(phone=phone, email=None, conversation_id=sender, consent_at=at),
                settings=make_settings({"handoff": ["link"]}),
                factory=session_factory(self.db_url),
                now=at,
            ).reference
        finally:
            dispose_engines()
        save_conversation(self.tracker_url, sender, chat(at, f"my number is {phone}"))
        return reference

    def __call__(
        self, *args: str, stdin: str = "", real_process: bool = False
    ) -> subprocess.CompletedProcess:
        return run_bot(("privacy", *args), self.env, stdin, real_process=real_process)


@pytest.fixture
def clinic(tmp_path: Path) -> Clinic:
    return Clinic(tmp_path)


def test_export_prints_the_patients_json_with_a_header(clinic):
    ours = clinic.seed("202 555 0187", "web-zoe", NOW)
    clinic.seed("202 555 0142", "web-max", NOW)
    done = clinic("export", "--contact", "(202) 555-0187", real_process=True)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert [r["reference"] for r in document["booking_requests"]] == [ours]
    assert [c["conversation_id"] for c in document["conversations"]] == ["web-zoe"]
    assert document["export"]["contact"] == {"kind": "phone", "value": "+12025550187"}
    assert list(document) == sorted(document)
    # nothing of the other patient (not "0142" alone: event timestamps may hold those digits)
    for other in ("5550142", "555 0142", "555-0142", "web-max"):
        assert other not in done.stdout


def test_erase_asks_first_then_removes_and_says_what(clinic):
    clinic.seed("202 555 0187", "web-zoe", NOW)
    clinic.seed("202 555 0142", "web-max", NOW)

    cancelled = clinic("erase", "--contact", "2025550187", stdin="n\n")
    assert cancelled.returncode == 1
    assert "1 booking requests" in cancelled.stdout and "Cancelled" in cancelled.stdout

    done = clinic("erase", "--contact", "2025550187", "--yes")
    assert done.returncode == 0, done.stderr
    for line in ("1 booking requests", "1 outbox (delivery) rows", "1 conversations"):
        assert line in done.stdout.split("Erased")[1]

    again = clinic("erase", "--contact", "2025550187", "--yes")
    assert (again.returncode, again.stdout.strip()) == (
        0,
        "Nothing is stored for that phone; nothing erased.",
    )
    other = json.loads(clinic("export", "--contact", "202 555 0142").stdout)
    assert len(other["booking_requests"]) == 1 and len(other["conversations"]) == 1


def test_an_invalid_contact_exits_with_2_and_says_why(clinic):
    done = clinic("erase", "--contact", "not-a-contact", "--yes")
    assert done.returncode == 2
    assert "not a valid phone number" in done.stderr and done.stdout == ""


def test_purge_by_hand_with_a_dry_run_first(clinic):
    clinic.seed("202 555 0187", "web-zoe", NOW - dt.timedelta(days=120))
    clinic.seed("202 555 0142", "web-max", NOW)

    dry = clinic("purge", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would delete" in dry.stdout and "1 booking requests" in dry.stdout

    done = clinic("purge")
    assert done.returncode == 0 and "deleted" in done.stdout and "1 booking requests" in done.stdout
    assert "nothing older than 90 day(s)" in clinic("purge").stdout
    left = json.loads(clinic("export", "--contact", "202 555 0187").stdout)
    assert left["booking_requests"] == [] and left["conversations"] == []
