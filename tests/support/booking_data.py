"""Builders for booking tests: clinic settings with a test ``booking:`` section, and requests.

Shared by the unit tests (SQLite), the PostgreSQL tests in tests/scale and the form tests.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any, Dict, Mapping

import yaml

from bot.bookings.intake import RequestDetails
from bot.settings import DEFAULT_SETTINGS_PATH, ClinicSettings, parse_settings

BASE_SETTINGS: Dict[str, Any] = yaml.safe_load(DEFAULT_SETTINGS_PATH.read_text(encoding="utf-8"))
SECRET_ENV = "PIT_TEST_WEBHOOK_SECRET"
SECRET = "test-secret-ünïcode-🔑"


def make_settings(booking: Mapping[str, Any], **overrides: Any) -> ClinicSettings:
    """The shipped clinic.yml with a test ``booking:`` section (and other overrides)."""
    raw = copy.deepcopy(BASE_SETTINGS)
    raw.update(overrides)
    raw["booking"] = dict(booking)
    return parse_settings(raw)


def write_settings_file(directory: Path, booking: Mapping[str, Any]) -> Path:
    raw = copy.deepcopy(BASE_SETTINGS)
    raw["booking"] = dict(booking)
    path = directory / "clinic.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def webhook_booking(url: str, **delivery: Any) -> Dict[str, Any]:
    retry = {"max_attempts": 5, "base_delay_seconds": 10, "max_delay_seconds": 600}
    retry.update(delivery)
    return {
        "handoff": ["webhook"],
        "webhook": {"url": url, "secret_env": SECRET_ENV, "timeout_seconds": 2},
        "delivery": retry,
    }


def details(**changes: Any) -> RequestDetails:
    """A complete, valid booking request (override any field)."""
    values: Dict[str, Any] = {
        "kind": "booking",
        "name": "José Ñúñez",
        "phone": "(202) 555-0123",
        "email": "jose.nunez@example.org",
        "pain_area": "left knee, worse on stairs",
        "patient_type": "new",
        "preferred_times": "Tuesday mornings",
        "consent_at": dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=5),
        "channel": "socketio",
        "conversation_id": "conv-123",
    }
    values.update(changes)
    return RequestDetails(**values)
