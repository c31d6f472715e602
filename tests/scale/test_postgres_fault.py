"""Fault: the booking database is unreachable at the moment a patient confirms (issue 16).

The submit action runs as the action server runs it, with $PIT_DATABASE_URL pointing at a
PostgreSQL port where nothing listens. The patient must be told clearly (with a reference
code), the request must be kept, and once the database is back it must be stored exactly
once: by the next request's submit, by the delivery worker, and not again after a crash
between the database commit and the spool file's removal.
"""

from __future__ import annotations

import datetime as dt
import shutil
import threading
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import sessionmaker

from actions.booking.slots import SENT_REFERENCE
from actions.booking.submit import ActionSubmitBooking, ActionSubmitCallback
from bot.bookings import repository, spool
from bot.bookings.config import DATABASE_URL_ENV
from bot.bookings.db import dispose_engines, session_factory, session_scope
from bot.bookings.delivery import BackgroundWorker
from bot.bookings.service import submit_request
from bot.settings import PROJECT_ROOT, SETTINGS_ENV_VAR, get_settings
from bot.stack import free_port
from tests.support.booking_data import details, webhook_booking, write_settings_file

pytestmark = pytest.mark.postgres

DOMAIN: Dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
ANSWERS: Dict[str, Any] = {
    "request_name": "Maria Lopez",
    "request_contact": "+12015550123",
    "request_phone": "+12015550123",
    "request_email": None,
    "request_pain_area": "knee pain",
    "request_patient_type": "new",
    "request_times": "Weekday mornings",
    "request_consent": True,
    "request_confirmed": True,
}


def tracker(slots: Mapping[str, Any], sender: str, form: str = "booking_form") -> Tracker:
    message = {"text": "/affirm", "intent": {"name": "affirm", "confidence": 1.0}, "entities": []}
    events = [{"event": "user", "text": "yes", "parse_data": message, "input_channel": "rest"}]
    return Tracker(sender, dict(slots), message, events, False, None, {"name": form}, form)


def confirmed(**changes: Any) -> Dict[str, Any]:
    now = dt.datetime.now(dt.timezone.utc).isoformat()
    return {**ANSWERS, "request_consent_at": now, **changes}


def reply_text(message: Mapping[str, Any]) -> str:
    """The text the patient reads: the domain response filled in as Rasa fills it."""
    template = DOMAIN["responses"][message["response"]][0]["text"]
    return template.format(**{k: v for k, v in message.items() if k != "response"})


def requests_of(factory: sessionmaker, sender: str) -> List[Any]:
    with session_scope(factory) as session:
        return [r for r in repository.list_requests(session) if r.conversation_id == sender]


@pytest.fixture
def spool_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "spool"
    monkeypatch.setenv(spool.SPOOL_DIR_ENV, str(folder))
    return folder


@pytest.fixture
def notified_clinic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The clinic gets requests by webhook (and the patient the link): "it will reach the clinic"
    is then true. The receiver is never started: these tests are about storing."""
    booking = {
        **webhook_booking(f"http://127.0.0.1:{free_port()}/pit"),
        "handoff": ["link", "webhook"],
        "link": {"params": {"name": "name", "reference": "ref"}},
    }
    monkeypatch.setenv(SETTINGS_ENV_VAR, str(write_settings_file(tmp_path, booking)))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def database_down(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """$PIT_DATABASE_URL at a PostgreSQL port on this machine where nothing listens."""
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/test"
    monkeypatch.setenv(DATABASE_URL_ENV, url)
    yield url
    dispose_engines()


async def test_patient_is_told_and_the_request_is_stored_once_when_the_database_is_back(
    factory: sessionmaker,
    db_url: str,
    spool_dir: Path,
    notified_clinic: None,
    database_down: str,
    monkeypatch: pytest.MonkeyPatch,
    webhook_secret: str,
):
    sender = "patient-db-down"
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitBooking().run(dispatcher, tracker(confirmed(), sender), DOMAIN)

    kept, link = dispatcher.messages
    reference = kept["request_reference"]
    text = reply_text(kept)
    assert kept["response"] == "utter_request_kept"
    assert "kept your request" in text and reference in text
    assert get_settings().phone in text  # and the phone, if it is urgent
    assert link["response"] == "utter_request_link" and f"ref={reference}" in link["request_link"]
    assert {"event": "slot", "timestamp": None, "name": SENT_REFERENCE, "value": reference} in [
        {k: e.get(k) for k in ("event", "timestamp", "name", "value")} for e in events
    ]
    [waiting] = spool.pending(spool_dir)
    assert waiting.stat().st_mode & 0o077 == 0  # personal details: owner only
    assert requests_of(factory, sender) == []

    # The database is back. A crash after the commit, before the file's removal, would
    # leave the file behind: keep a copy to put back.
    monkeypatch.setenv(DATABASE_URL_ENV, db_url)
    copy = shutil.copy(waiting, spool_dir.parent / "copy.json")
    other = submit_request(details(conversation_id="next-patient"), factory=factory)

    [request] = requests_of(factory, sender)
    assert (request.reference, request.name, request.phone, request.kind) == (
        reference,
        "Maria Lopez",
        "+12015550123",
        "booking",
    )
    assert {d.adapter for d in request.deliveries} == {"link", "webhook"}  # passed on as usual
    assert not other.spooled and spool.pending(spool_dir) == []

    shutil.copy(copy, waiting)  # the crash case: the same file again
    report = spool.drain(factory)
    assert (report.stored, report.already_stored) == (0, 1)
    assert len(requests_of(factory, sender)) == 1
    assert spool.pending(spool_dir) == []


async def test_the_delivery_worker_stores_spooled_requests_without_another_patient(
    factory: sessionmaker,
    db_url: str,
    spool_dir: Path,
    notified_clinic: None,
    database_down: str,
    monkeypatch: pytest.MonkeyPatch,
    webhook_secret: str,
):
    sender = "patient-callback-db-down"
    dispatcher = CollectingDispatcher()
    callback = confirmed(request_times="Saturday")
    await ActionSubmitCallback().run(
        dispatcher, tracker(callback, sender, form="callback_form"), DOMAIN
    )
    [kept] = dispatcher.messages
    assert kept["response"] == "utter_request_kept"

    # Still down: the worker keeps it, and says how many wait.
    assert spool.drain(session_factory(database_down)).waiting == 1
    monkeypatch.setenv(DATABASE_URL_ENV, db_url)
    worker = BackgroundWorker(factory, interval=0.2, settings=get_settings()).start()
    try:
        for _ in range(50):
            if requests_of(factory, sender):
                break
            threading.Event().wait(0.1)
    finally:
        worker.stop()
    [request] = requests_of(factory, sender)
    assert (request.reference, request.kind) == (kept["request_reference"], "callback")
    assert spool.pending(spool_dir) == []


async def test_when_the_request_cannot_be_kept_either_the_patient_is_asked_to_phone(
    tmp_path: Path,
    notified_clinic: None,
    database_down: str,
    monkeypatch: pytest.MonkeyPatch,
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv(spool.SPOOL_DIR_ENV, str(blocker / "spool"))  # cannot be created
    dispatcher = CollectingDispatcher()
    await ActionSubmitBooking().run(dispatcher, tracker(confirmed(), "patient-no-disk"), DOMAIN)
    [failed] = dispatcher.messages
    assert failed["response"] == "utter_request_failed"
    assert get_settings().phone in reply_text(failed)
