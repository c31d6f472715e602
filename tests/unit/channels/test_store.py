"""Channel state in the database: dedupe across restarts and replicas, opt-outs, offers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import text

from bot.bookings.db import dispose_engines, get_engine
from bot.bookings.models import utcnow
from bot.channels.store import ChannelStore


def test_a_delivery_id_is_new_once_even_after_a_restart_and_on_another_replica(store, db_url):
    assert store.first_delivery("twilio", "SM1") is True
    assert store.first_delivery("twilio", "SM1") is False
    assert store.first_delivery("telegram", "SM1") is True  # ids are per channel
    dispose_engines()  # "restart": new engine, new store object (another replica)
    assert ChannelStore(db_url).first_delivery("twilio", "SM1") is False


def test_no_provider_id_is_stored_in_clear(store, db_url):
    store.first_delivery("twilio", "SM-secret-id")
    store.record_inbound("twilio", "+15551234567")
    store.save_offer("twilio", "+15551234567", ["/affirm"], numbered=True)
    with get_engine(db_url).connect() as connection:
        dump = " ".join(
            str(row)
            for table in ("channel_deliveries", "channel_contacts", "channel_offers")
            for row in connection.execute(text(f"SELECT * FROM {table}"))
        )
    assert "SM-secret-id" not in dump and "5551234567" not in dump


def test_opt_out_and_back_in(store):
    assert store.opted_out("twilio", "+1555") is False
    store.set_opted_out("twilio", "+1555", True)
    assert store.opted_out("twilio", "+1555") is True
    assert store.opted_out("twilio", "+1666") is False
    store.set_opted_out("twilio", "+1555", False)
    assert store.opted_out("twilio", "+1555") is False


def test_last_inbound_is_kept_per_user(store):
    earlier = utcnow() - timedelta(hours=30)
    store.record_inbound("whatsapp", "155501", at=earlier)
    assert abs((store.last_inbound("whatsapp", "155501") - earlier).total_seconds()) < 1
    assert store.last_inbound("whatsapp", "155502") is None


def test_offers_map_short_tokens_back_only_for_their_user(store):
    offer = store.save_offer("telegram", "42", ["/a", "/b"], numbered=False)
    assert len(offer.token) == 8
    assert store.offer("telegram", "42", offer.token).payload(1) == "/b"
    assert store.offer("telegram", "42", offer.token).payload(2) is None
    assert store.offer("telegram", "43", offer.token) is None  # another chat's buttons
    assert store.latest_offer("telegram", "42").payloads == ["/a", "/b"]
    store.save_offer("telegram", "42", [], numbered=False)  # a reply without buttons
    assert store.latest_offer("telegram", "42") is None
    assert store.offer("telegram", "42", offer.token) is not None  # old keyboards still work


def test_old_dedupe_rows_can_be_forgotten(store):
    store.first_delivery("twilio", "SM1")
    assert store.forget_deliveries(timedelta(days=-1)) == 1
    assert store.first_delivery("twilio", "SM1") is True


def test_concurrent_retries_are_answered_once(store, db_url):
    """Two servers receiving the same delivery at the same moment: exactly one wins."""
    replicas = [ChannelStore(db_url) for _ in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda s: s.first_delivery("whatsapp", "wamid.same"), replicas))
    assert results.count(True) == 1
