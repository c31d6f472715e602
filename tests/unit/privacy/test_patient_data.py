"""Export, erasure and retention on real databases (tests/scale runs these on PostgreSQL).

Two patients share every store: whatever is done for one must leave the other intact.
Conversations are written by Rasa's own SQL tracker store (tests/support/privacy_data.py).
"""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from sqlalchemy import func, select, update

from bot.bookings import repository
from bot.bookings.db import session_scope
from bot.bookings.models import BookingRequest, Delivery
from bot.bookings.service import submit_request
from bot.channels.models import ChannelContact, ChannelDelivery, ChannelOffer
from bot.channels.store import ChannelStore
from bot.privacy import tracker_events
from bot.privacy.contact import parse_contact
from bot.privacy.erase import erase_contact, survey
from bot.privacy.export import export_contact, to_json
from bot.privacy.retention import RetentionJob, purge_expired
from bot.privacy.stores import Stores
from bot.studio.inbox.consumer import import_tracker
from bot.studio.inbox.models import InboxConversation
from bot.studio.models import AuditEntry
from tests.support.booking_data import details, make_settings
from tests.support.privacy_data import chat, save_conversation

SETTINGS = make_settings({"handoff": ["link"]})
ZOE = {
    "name": "Zoë Quixote",
    "phone": "(202) 555-0187",
    "email": "Zoe.Quixote@Private-Mail.example",
    "conversation_id": "web-zoe",
}
MAX = {
    "name": "Max Other",
    "phone": "(202) 555-0142",
    "email": "max@other.example",
    "conversation_id": "web-max",
}


def _request(factory, who, at, **changes):
    values = dict(who, consent_at=at - dt.timedelta(seconds=5), **changes)
    return submit_request(details(**values), settings=SETTINGS, factory=factory, now=at).reference


def _events(stores, sender_id):
    with stores.tracker.connect() as connection:
        return tracker_events.conversation_events(connection, [sender_id]).get(sender_id, [])


def _count(factory, model, *where):
    with session_scope(factory) as session:
        query = select(func.count()).select_from(model)
        return session.execute(query.where(*where) if where else query).scalar_one()


@pytest.fixture
def two_patients(factory, tracker_url, db_url, now):
    """Zoë and Max: requests, conversations (their own and by SMS) and channel rows each."""
    earlier = now - dt.timedelta(days=3)
    refs = {
        "zoe": [_request(factory, ZOE, earlier), _request(factory, ZOE, now, email=None)],
        "max": [_request(factory, MAX, now)],
    }
    # Zoë's web chat: linked from her request; her phone typed in a web chat of another id;
    # her email in a slot of a third; her SMS conversation (the id is her phone).
    save_conversation(tracker_url, "web-zoe", chat(earlier, "book a consultation"))
    save_conversation(tracker_url, "anon-1", chat(now, "call me on 202.555.0187 please"))
    save_conversation(tracker_url, "anon-2", chat(now, "ok", slots={"email": ZOE["email"].lower()}))
    save_conversation(tracker_url, "twilio:+12025550187", chat(now, "hi"))
    save_conversation(tracker_url, "web-max", chat(now, "my number is 202 555 0142"))
    save_conversation(tracker_url, "anon-3", chat(now, "does it hurt? 202 555 0188"))
    channels = ChannelStore(db_url)
    channels.save_offer("twilio", "+12025550187", ["/affirm"], numbered=True)
    channels.record_inbound("twilio", "+12025550187")
    channels.save_offer("twilio", "+12025550142", ["/affirm"], numbered=True)
    channels.record_inbound("twilio", "+12025550142")
    return refs


ZOE_CONVERSATIONS = ["anon-1", "anon-2", "twilio:+12025550187", "web-zoe"]


def test_export_holds_exactly_that_patients_data(stores, two_patients, now):
    contact = parse_contact("202-555-0187", "US")
    document = export_contact(stores, contact, now=now)

    assert sorted(r["reference"] for r in document["booking_requests"]) == sorted(
        two_patients["zoe"]
    )
    assert {r["phone"] for r in document["booking_requests"]} == {"+12025550187"}
    outbox = [row for r in document["booking_requests"] for row in r["outbox"]]
    assert [row["adapter"] for row in outbox] == ["link", "link"]
    assert all(row["payload"]["url"].startswith("https://") for row in outbox)
    found = {c["conversation_id"]: c["found_by"] for c in document["conversations"]}
    # The email in anon-2 is Zoë's, but this export is by phone: only her phone's traces.
    assert found == {
        "anon-1": ["contact"],
        "twilio:+12025550187": ["conversation id"],
        "web-zoe": ["booking request"],
    }
    texts = [e["data"].get("text") for c in document["conversations"] for e in c["events"]]
    assert "call me on 202.555.0187 please" in texts and "book a consultation" in texts
    assert not any("0142" in (t or "") or "0188" in (t or "") for t in texts)
    assert document["channel_records"] == [
        {
            "button_offers_kept": 1,
            "channel": "twilio",
            "last_message_at": document["channel_records"][0]["last_message_at"],
            "opted_out_at": None,
        }
    ]
    header = document["export"]
    assert header["contact"] == {"kind": "phone", "value": "+12025550187"}
    assert header["counts"]["booking_requests"] == 2 and header["counts"]["conversations"] == 3
    assert header["generated_at"].endswith("Z") and header["conversations_searched"] is True


def test_export_by_email_is_case_insensitive_and_the_json_is_stable(stores, two_patients, now):
    contact = parse_contact("zoe.quixote@PRIVATE-mail.example", "US")
    first = to_json(export_contact(stores, contact, now=now))
    assert to_json(export_contact(stores, contact, now=now)) == first
    document = json.loads(first)
    # Only the first request has her email (the second was sent with a phone only).
    assert [r["reference"] for r in document["booking_requests"]] == two_patients["zoe"][:1]
    assert [c["conversation_id"] for c in document["conversations"]] == ["anon-2", "web-zoe"]
    assert first == json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    event = document["conversations"][0]["events"][0]
    assert dt.datetime.fromisoformat(event["at"].replace("Z", "+00:00")).tzinfo is not None
    assert "Zoë" in first  # readable, not \u-escaped


def test_erase_removes_the_patient_everywhere_and_keeps_the_other(
    stores, two_patients, factory, db_url
):
    ChannelStore(db_url).set_opted_out("twilio", "+12025550187", True)  # she texted STOP
    import_tracker(stores.tracker, factory, "US")  # the studio inbox's copy (masked)
    contact = parse_contact("+1 202 555 0187", "US")
    expected = {
        "booking_requests": 2,
        "outbox_rows": 2,
        "conversations": 3,
        "channel_offers": 1,
        "channel_contacts": 0,  # her opt-out is kept (see below)
        "inbox_messages": 6,  # a message and a reply in each of her conversations
    }
    found = survey(stores, contact)
    assert {k: v for k, v in found.items() if k != "conversation_events"} == expected
    assert found["conversation_events"] == 3 * 5
    assert _count(factory, BookingRequest) == 3  # the survey changed nothing

    removed = erase_contact(stores, contact, actor="cli:test")

    assert removed == found
    assert survey(stores, contact) == dict.fromkeys(found, 0)
    for sender in ("web-zoe", "anon-1", "twilio:+12025550187"):
        assert _events(stores, sender) == []
    # anon-2 holds her email, not her phone: erasing by phone leaves it for an email erase.
    kept = {sender: len(_events(stores, sender)) for sender in ("web-max", "anon-3", "anon-2")}
    assert kept == {"web-max": 5, "anon-3": 5, "anon-2": 6}  # anon-2 also has a slot
    assert _inbox_senders(factory) == {"web-max", "anon-3", "anon-2"}
    with session_scope(factory) as session:
        left = repository.list_requests(session)
        assert [r.reference for r in left] == two_patients["max"]
        assert len(left[0].deliveries) == 1
        assert session.execute(select(func.count()).select_from(Delivery)).scalar_one() == 1
        contacts = session.execute(select(ChannelContact)).scalars().all()
        audit = session.execute(select(AuditEntry)).scalars().all()
    assert _count(factory, ChannelOffer) == 1  # Max's
    assert len(contacts) == 2  # Max's, and Zoë's opt-out without her last-message time
    assert sorted((c.opted_out_at is None, c.last_inbound_at is None) for c in contacts) == [
        (False, True),
        (True, False),
    ]
    assert [(a.action, a.actor) for a in audit] == [("privacy.erase", "cli:test")]
    assert "0187" not in f"{audit[0].target} {audit[0].detail}"
    assert "booking_requests=2" in audit[0].detail

    by_email = erase_contact(stores, parse_contact(ZOE["email"], "US"), actor="cli:test")
    assert (by_email["booking_requests"], by_email["conversations"]) == (0, 1)
    assert _events(stores, "anon-2") == []


def test_erase_with_nothing_stored_changes_nothing(stores, two_patients, factory):
    contact = parse_contact("nobody@example.org", "US")
    assert not any(survey(stores, contact).values())
    assert not any(erase_contact(stores, contact, actor="cli:test").values())
    assert _count(factory, BookingRequest) == 3 and _count(factory, AuditEntry) == 0


def _age(factory, days, now):
    """Make everything already stored ``days`` old."""
    then = now - dt.timedelta(days=days)
    with session_scope(factory) as session:
        session.execute(update(BookingRequest).values(created_at=then))
        session.execute(update(ChannelOffer).values(created_at=then))
        session.execute(update(ChannelContact).values(last_inbound_at=then))
        session.execute(update(ChannelDelivery).values(received_at=then))


def test_purge_removes_old_rows_and_keeps_new_ones(stores, factory, tracker_url, db_url, now):
    old, new = now - dt.timedelta(days=91), now - dt.timedelta(days=89)
    _request(factory, ZOE, old)
    save_conversation(tracker_url, "old-chat", chat(old, "hello"))
    save_conversation(tracker_url, "long-chat", chat(old, "first visit"), chat(new, "back again"))
    channels = ChannelStore(db_url)
    channels.save_offer("telegram", "123", ["/a"], numbered=False)
    channels.record_inbound("telegram", "123")
    channels.set_opted_out("twilio", "+12025550187", True)
    channels.first_delivery("telegram", "update-1")
    import_tracker(stores.tracker, factory, "US")  # the studio inbox's copy (masked)
    _age(factory, 91, now)
    _request(factory, MAX, new)
    channels.save_offer("telegram", "456", ["/b"], numbered=False)
    channels.record_inbound("telegram", "456")

    dry = purge_expired(stores, 90, now=now, dry_run=True)
    expected = {
        "booking_requests": 1,
        "outbox_rows": 1,
        "conversation_events": 10,
        "conversations": 2,
        "channel_offers": 1,
        "channel_contacts": 1,
        "channel_deliveries": 1,
        "inbox_messages": 4,  # "hello", "first visit" and their replies; "back again" is newer
    }
    assert dry.counts == expected and dry.dry_run
    assert "would delete" in str(dry) and "1 booking requests" in str(dry)
    assert _count(factory, BookingRequest) == 2 and len(_events(stores, "old-chat")) == 5

    report = purge_expired(stores, 90, now=now)

    assert report.counts == expected
    with session_scope(factory) as session:
        assert [r.name for r in repository.list_requests(session)] == [MAX["name"]]
    assert _count(factory, Delivery) == 1
    assert _events(stores, "old-chat") == []
    assert [e["data"].get("text") for e in _events(stores, "long-chat") if e["type"] == "user"] == [
        "back again"
    ]
    assert _count(factory, ChannelOffer) == 1 and _count(factory, ChannelDelivery) == 0
    assert _count(factory, ChannelContact, ChannelContact.opted_out_at.isnot(None)) == 1
    assert _count(factory, AuditEntry, AuditEntry.action == "privacy.purge") == 1
    assert purge_expired(stores, 90, now=now).total == 0
    assert _inbox_senders(factory) == {"long-chat"}


def test_purge_refuses_a_retention_below_one_day(stores):
    for days in (0, -1):
        with pytest.raises(ValueError, match="1 or more"):
            purge_expired(stores, days)


def test_the_scheduled_job_purges_at_start_and_then_again(factory, tracker_url, db_url, now):
    _request(factory, ZOE, now - dt.timedelta(days=40))
    save_conversation(tracker_url, "old-chat", chat(now - dt.timedelta(days=40), "hello"))
    _request(factory, MAX, now)
    job = RetentionJob(lambda: Stores.from_urls(db_url, tracker_url), 30, 0.2).start()
    try:
        deadline = time.monotonic() + 10
        while job.rounds < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert job.last_report is not None and job.last_report.counts["booking_requests"] == 1
        assert _count(factory, BookingRequest) == 1

        # Something old arrives while the assistant runs: a later round removes it.
        _request(factory, ZOE, now - dt.timedelta(days=35))
        assert _count(factory, BookingRequest) == 2
        seen = job.rounds
        while (job.rounds <= seen or _count(factory, BookingRequest) > 1) and (
            time.monotonic() < deadline
        ):
            time.sleep(0.05)
    finally:
        job.stop()
    assert not job.thread.is_alive()
    assert _count(factory, BookingRequest) == 1
    assert job.rounds >= 2
    with Stores.from_urls(db_url, tracker_url) as stores:
        assert _events(stores, "old-chat") == []


def test_the_scheduled_job_survives_a_failing_round(caplog):
    def broken() -> Stores:
        raise RuntimeError("database down with a secret +12025550187 in the message")

    job = RetentionJob(broken, 30, 60)
    assert job.run_once() is None and job.rounds == 1
    assert "privacy purge failed: RuntimeError" in caplog.text
    assert "0187" not in caplog.text


def test_the_assistants_job_reads_clinic_yml_and_runs_at_once(
    factory, db_url, tmp_path, monkeypatch, now
):
    from bot.privacy.retention import start_retention_job

    monkeypatch.setenv("PIT_DATABASE_URL", db_url)
    save_conversation(
        f"sqlite:///{tmp_path / 'tracker.db'}", "old-chat", chat(now - dt.timedelta(days=8), "hi")
    )
    _request(factory, ZOE, now - dt.timedelta(days=8))
    settings = make_settings({"handoff": ["link"]}, privacy={"retention_days": 7})
    job = start_retention_job(settings, folder=tmp_path)
    try:
        deadline = time.monotonic() + 10
        while job.rounds < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        job.stop()
    assert job.interval_seconds == 6 * 3600  # purge_every_hours' default
    assert job.last_report is not None
    assert (job.last_report.retention_days, job.last_report.counts["booking_requests"]) == (7, 1)
    assert job.last_report.counts["conversation_events"] == 5


def _inbox_senders(factory) -> set:
    with session_scope(factory) as session:
        return set(session.execute(select(InboxConversation.sender_id)).scalars())
