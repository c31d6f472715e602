"""Where the conversations are: endpoints.yml read as Rasa and `make run` read it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Float, Integer, String, Text
from sqlalchemy.engine import make_url

from bot.privacy.tracker_events import EVENTS, TrackerStoreError, tracker_store_url
from bot.settings import PROJECT_ROOT


def _endpoints(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "endpoints.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_sqlite_store_is_the_run_folders_file(tmp_path: Path):
    shipped = PROJECT_ROOT / "endpoints.yml"
    assert tracker_store_url(shipped, folder=tmp_path) is None  # never ran: nothing stored
    (tmp_path / "tracker.db").touch()
    assert tracker_store_url(shipped, folder=tmp_path) == f"sqlite:///{tmp_path}/tracker.db"


def test_a_postgresql_store_is_built_from_rasas_keys(tmp_path: Path):
    path = _endpoints(
        tmp_path,
        "tracker_store:\n  type: SQL\n  dialect: postgresql\n  url: db.internal:6543\n"
        "  db: pit\n  username: rasa\n  password: ${TRACKER_PW}\n",
    )
    url = make_url(
        tracker_store_url(path, environ={"TRACKER_PW": "s3cret", "POSTGRESQL_SCHEMA": "chat"})
    )
    assert (url.drivername, url.host, url.port, url.database) == (
        "postgresql",
        "db.internal",
        6543,
        "pit",
    )
    assert (url.username, url.password) == ("rasa", "s3cret")
    assert url.query == {"options": "-csearch_path=chat"}


def test_stores_that_cannot_be_searched_are_named(tmp_path: Path):
    assert tracker_store_url(_endpoints(tmp_path, "action_endpoint: {}\n")) is None
    with pytest.raises(TrackerStoreError, match="type 'redis'"):
        tracker_store_url(_endpoints(tmp_path, "tracker_store:\n  type: redis\n"))


def test_our_events_table_is_rasas():
    from rasa.core.tracker_store import SQLTrackerStore

    rasa = SQLTrackerStore.SQLEvent.__table__
    assert [c.name for c in EVENTS.columns] == [c.name for c in rasa.columns]
    kinds = {Integer: Integer, String: String, Float: Float, Text: Text}
    for ours, theirs in zip(EVENTS.columns, rasa.columns, strict=True):
        assert type(ours.type) is kinds[type(theirs.type)], ours.name
