"""The staff command line, `python -m bot bookings ...` and `python -m bot db ...`.

It runs in this process (tests/support/cli.py): the same entry point, environment,
input, output and exit code as a real process, without its two seconds of imports.
test_python_m_bot_has_the_booking_commands runs it as a real subprocess, as staff do."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path
from typing import Dict, List, Optional

import pytest
import yaml

from bot import cli as main_cli
from bot.bookings import cli as bookings_cli
from bot.bookings import repository, spool
from bot.bookings.db import dispose_engines, session_factory, session_scope, upgrade_database
from bot.bookings.service import submit_request
from bot.settings import load_settings
from tests.support.booking_data import details, write_settings_file
from tests.support.cli import run_bot

NOW = dt.datetime.now(dt.timezone.utc)


class Cli:
    def __init__(self, tmp_path: Path, booking: Optional[Dict] = None) -> None:
        self.db_url = f"sqlite:///{tmp_path / 'cli.db'}"
        self.settings_file = write_settings_file(tmp_path, booking or {"handoff": ["link"]})
        self.env = dict(
            os.environ, PIT_DATABASE_URL=self.db_url, PIT_CLINIC_SETTINGS=str(self.settings_file)
        )

    def __call__(
        self, *args: str, stdin: str = "", real_process: bool = False
    ) -> subprocess.CompletedProcess:
        return run_bot(args, self.env, stdin, real_process=real_process)

    def seed(self, now: Optional[dt.datetime] = None, **changes) -> str:
        """Store a request the way the assistant does (same database and settings).

        ``now`` defaults to the real time of the call, not of the import: in a long, slow
        run the module can be imported minutes before this runs, and a consent given
        "now" would then look like it is in the future.
        """
        now = now or dt.datetime.now(dt.timezone.utc)
        upgrade_database(self.db_url)
        settings = load_settings(self.settings_file)
        try:
            factory = session_factory(self.db_url)
            return submit_request(
                details(**changes), settings=settings, factory=factory, now=now
            ).reference
        finally:
            dispose_engines()

    def names(self) -> List[str]:
        result = self("bookings", "list", "--json")
        assert result.returncode == 0, result.stderr
        return [item["name"] for item in json.loads(result.stdout)]


@pytest.fixture
def run(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def test_list_json_on_a_fresh_install_is_empty_and_creates_the_database(run, tmp_path):
    result = run("bookings", "list", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
    assert (tmp_path / "cli.db").exists()


def test_list_json_shows_everything_staff_need(run):
    first = run.seed(name="李小龙", pain_area="<script>alert(1)</script>")
    second = run.seed(kind="callback", name="O'Brien-Smith", email=None)
    result = run("bookings", "list", "--json")
    assert result.returncode == 0, result.stderr
    items = json.loads(result.stdout)
    assert [i["reference"] for i in items] == [second, first]
    assert all("id" not in i for i in items)  # the internal id stays internal
    assert items[1]["name"] == "李小龙" and items[1]["pain_area"] == "<script>alert(1)</script>"
    assert items[1]["status"] == "delivered" and items[1]["deliveries"][0]["adapter"] == "link"
    assert items[0]["kind"] == "callback" and items[0]["email"] is None
    assert items[0]["created_local"].endswith(("-05:00", "-04:00"))  # America/New_York

    only_callbacks = json.loads(run("bookings", "list", "--json", "--kind", "callback").stdout)
    assert [i["reference"] for i in only_callbacks] == [second]
    assert json.loads(run("bookings", "list", "--json", "--status", "failed").stdout) == []


def test_list_table_is_readable_and_aligned(run):
    run.seed(name="李小龙")
    run.seed(name="Ann " + "Very-Long-Surname-" * 4, email="ann@example.org", phone=None)
    result = run("bookings", "list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "REFERENCE",
        "CREATED",
        "(America/New_York)",
        "KIND",
        "STATUS",
        "NAME",
        "CONTACT",
        "DELIVERY",
    ]
    assert any(
        "李小龙" in line and "+12025550123 / jose.nunez@example.org" in line for line in lines
    )
    assert any(
        "Ann Very-Long-Surname-Very-…" in line and "link:delivered" in line for line in lines
    )
    assert lines[-1] == "2 request(s)."
    # Columns line up in terminal cells: CJK characters are two cells wide.
    cjk = next(line for line in lines if "李小龙" in line)
    latin = next(line for line in lines if "Ann " in line)
    cells = bookings_cli._width
    assert cells(cjk[: cjk.index("+1202")]) == cells(latin[: latin.index("ann@")])


def test_bad_filter_values_exit_non_zero_with_a_message(run):
    result = run("bookings", "list", "--status", "lost")
    assert result.returncode == 2 and "invalid choice: 'lost'" in result.stderr
    for limit in ("-3", "²", "0"):
        result = run("bookings", "list", "--limit", limit)
        assert result.returncode == 2 and "not a positive whole number" in result.stderr
    result = run("bookings", "cancel", "²")
    assert result.returncode == 2 and "not a request reference" in result.stderr


def test_purge_asks_first_and_only_deletes_when_told(run):
    old = NOW - dt.timedelta(days=40)
    run.seed(name="Old Patient", now=old, consent_at=old)
    run.seed(name="New Patient")
    declined = run("bookings", "purge", "--older-than", "30", stdin="n\n")
    assert (
        declined.returncode == 1 and "Delete 1 request(s) older than 30 day(s)?" in declined.stdout
    )
    no_answer = run("bookings", "purge", "--older-than", "30")  # closed stdin counts as "no"
    assert no_answer.returncode == 1 and "nothing deleted" in no_answer.stdout
    assert sorted(run.names()) == ["New Patient", "Old Patient"]

    accepted = run("bookings", "purge", "--older-than", "30", stdin="y\n")
    assert accepted.returncode == 0 and "Deleted 1 request(s)" in accepted.stdout
    assert run.names() == ["New Patient"]
    again = run("bookings", "purge", "--older-than", "30", "--yes")
    assert again.returncode == 0 and "nothing to delete" in again.stdout


@pytest.mark.parametrize("days", ["-1", "ten", "99999999", "1.5", "²", ""])
def test_purge_refuses_nonsense_days(run, days):
    result = run("bookings", "purge", "--older-than", days, "--yes")
    assert result.returncode == 2 and "--older-than" in result.stderr


def test_erase_by_phone_as_typed_locally_and_by_email(run):
    run.seed(name="Erase Me", phone="+1 202 555 0123", email="me@example.org")
    run.seed(name="Keep Me", phone="(415) 555-0132", email="keep@example.org")
    result = run("bookings", "erase", "--phone", "202-555-0123", "--yes")
    assert result.returncode == 0 and "Erased 1 request(s)" in result.stdout
    assert "202" not in result.stdout  # the number is not echoed back
    assert run.names() == ["Keep Me"]
    result = run("bookings", "erase", "--email", "KEEP@example.org", stdin="yes\n")
    assert result.returncode == 0 and run.names() == []
    result = run("bookings", "erase", "--email", "nobody@example.org", "--yes")
    assert result.returncode == 0 and "nothing to erase" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--phone", "12"], "phone number doesn't look right"),
        (["--email", "not-an-email"], "email address doesn't look right"),
        (["--phone", "'); DROP TABLE booking_requests;--"], "phone number doesn't look right"),
    ],
)
def test_erase_with_bad_input_explains_and_deletes_nothing(run, args, message):
    run.seed()
    result = run("bookings", "erase", *args, "--yes")
    assert result.returncode == 1 and message in result.stderr
    assert run.names() == ["José Ñúñez"]


def test_erase_needs_exactly_one_of_phone_or_email(run):
    assert run("bookings", "erase", "--yes").returncode == 2
    both = run("bookings", "erase", "--phone", "2025550123", "--email", "a@example.org")
    assert both.returncode == 2 and "not allowed with" in both.stderr


def test_deliver_cancel_retry_and_check(tmp_path):
    run = Cli(
        tmp_path,
        {
            "handoff": ["webhook"],
            "webhook": {"url": "http://127.0.0.1:9/never", "secret_env": "PIT_T_CLI_SECRET"},
        },
    )
    run.env["PIT_T_CLI_SECRET"] = "x"
    reference = run.seed()
    result = run("bookings", "deliver")
    assert result.returncode == 0 and "delivered 0, will retry 1, failed 0" in result.stdout
    assert (
        "José" not in result.stdout + result.stderr and "555" not in result.stdout + result.stderr
    )
    item = json.loads(run("bookings", "list", "--json").stdout)[0]
    assert item["deliveries"][0]["last_error"] == "could not connect to the webhook receiver"

    assert run("bookings", "retry", reference.lower()).stdout.startswith(
        f"Request {reference} has no failed"
    )
    cancelled = run("bookings", "cancel", f"{reference[:4]}-{reference[4:]}")
    assert (
        cancelled.returncode == 0
        and json.loads(run("bookings", "list", "--json").stdout)[0]["status"] == "cancelled"
    )
    missing = run("bookings", "cancel", "ZZZZ2222")
    assert missing.returncode == 1 and "there is no request ZZZZ2222" in missing.stderr
    assert run("bookings", "cancel", "abc").returncode == 2
    assert run("bookings", "cancel", "1").returncode == 2  # internal ids are not accepted

    check = run("bookings", "check")
    assert check.returncode == 0 and "Hand-off: webhook" in check.stdout
    del run.env["PIT_T_CLI_SECRET"]
    check = run("bookings", "check")
    assert check.returncode == 1 and "PIT_T_CLI_SECRET" in check.stdout


def test_db_upgrade(run, tmp_path):
    result = run("db", "upgrade")
    assert (
        result.returncode == 0 and "up to date" in result.stdout and (tmp_path / "cli.db").exists()
    )


def test_broken_settings_file_is_reported(run):
    run.settings_file.write_text("name: [unclosed", encoding="utf-8")
    result = run("bookings", "list")
    assert (
        result.returncode == 1 and "Error in" in result.stderr and "not valid YAML" in result.stderr
    )
    raw = yaml.safe_dump({"booking": {"handoff": ["pigeon"]}})
    run.settings_file.write_text(raw, encoding="utf-8")
    assert run("bookings", "list").returncode == 1


def test_unusable_database_url_is_reported_without_the_password(run):
    run.env["PIT_DATABASE_URL"] = "postgresql://pit:topsecret@127.0.0.1:1/nowhere"
    result = run("bookings", "list")
    assert result.returncode == 1 and "could not prepare the booking database" in result.stderr
    assert "topsecret" not in result.stderr + result.stdout
    run.env["PIT_DATABASE_URL"] = "oracle+nope://x"
    result = run("db", "upgrade")
    assert result.returncode == 1 and "cannot use" in result.stderr


def test_no_subcommand_prints_help_and_fails(run):
    result = run("bookings")
    assert result.returncode == 2 and "list" in result.stdout and "erase" in result.stdout


def test_python_m_bot_has_the_booking_commands(run):
    assert bookings_cli.register in main_cli.REGISTRARS
    result = run("bookings", "list", "--json", real_process=True)
    assert result.returncode == 0 and json.loads(result.stdout) == []
    assert run("db", "upgrade", real_process=True).returncode == 0


def test_repository_sees_what_the_cli_erased(run):
    run.seed()
    assert run("bookings", "erase", "--email", "jose.nunez@example.org", "--yes").returncode == 0
    try:
        with session_scope(session_factory(run.db_url)) as session:
            assert repository.list_requests(session) == []
    finally:
        dispose_engines()


def test_requests_kept_while_the_database_was_down_are_counted_erased_and_stored(tmp_path):
    run = Cli(tmp_path)
    folder = tmp_path / "spool"
    run.env[spool.SPOOL_DIR_ENV] = str(folder)
    upgrade_database(run.db_url)
    dispose_engines()
    one = details(name="Waiting One", phone="+1 202 555 0123", email="one@example.org")
    two = details(name="Waiting Two", phone="(415) 555-0132", email="two@example.org")
    spool.put(one, "WWWWWWWW", directory=folder)
    spool.put(two, "VVVVVVVV", directory=folder)

    check = run("bookings", "check")
    assert check.returncode == 0 and "Kept while the database was down: 2" in check.stdout
    declined = run("bookings", "erase", "--phone", "202-555-0123", stdin="no\n")
    assert declined.returncode == 1 and len(spool.pending(folder)) == 2  # asked first
    erased = run("bookings", "erase", "--phone", "202-555-0123", "--yes")
    assert "Erased 1 request(s)" in erased.stdout and "waiting in the spool" in erased.stdout
    assert [p.name.endswith("VVVVVVVV.json") for p in spool.pending(folder)] == [True]

    delivered = run("bookings", "deliver")
    assert delivered.returncode == 0 and "Spool: stored 1" in delivered.stdout
    assert run.names() == ["Waiting Two"] and spool.pending(folder) == []
