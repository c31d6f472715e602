from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.settings import DEFAULT_SETTINGS_PATH, SettingsError, load_settings, parse_settings

BASE = yaml.safe_load(DEFAULT_SETTINGS_PATH.read_text())


def test_shipped_settings_file_is_valid():
    settings = load_settings(DEFAULT_SETTINGS_PATH)
    slots = settings.as_slots()
    assert set(slots) >= {
        "clinic_name",
        "clinic_phone",
        "clinic_emergency_number",
        "clinic_crisis_line",
    }
    assert all(isinstance(v, str) and v for v in slots.values())


@pytest.mark.parametrize(
    "missing", ["name", "phone", "emergency_number", "crisis_line", "time_zone"]
)
def test_missing_field_is_named_in_the_error(missing):
    raw = dict(BASE)
    raw[missing] = "  "
    with pytest.raises(SettingsError, match=missing):
        parse_settings(raw)


@pytest.mark.parametrize(
    "hours, message",
    [
        ("9-5", "not like"),
        ("17:00-08:30", "after opening"),
        ("25:00-26:00", "opening_hours.monday"),
    ],
)
def test_bad_opening_hours_are_explained(hours, message):
    raw = dict(BASE, opening_hours={"monday": hours})
    with pytest.raises(SettingsError, match=message):
        parse_settings(raw)


def test_unknown_time_zone_and_weekday_are_rejected():
    with pytest.raises(SettingsError, match="time zone"):
        parse_settings(dict(BASE, time_zone="Mars/Olympus"))
    with pytest.raises(SettingsError, match="weekday"):
        parse_settings(dict(BASE, opening_hours={"funday": "09:00-10:00"}))


def test_not_a_mapping_and_broken_yaml(tmp_path: Path):
    with pytest.raises(SettingsError):
        parse_settings(["a", "list"])  # type: ignore[arg-type]
    bad = tmp_path / "clinic.yml"
    bad.write_text("name: [unclosed")
    with pytest.raises(SettingsError, match="not valid YAML"):
        load_settings(bad)
    with pytest.raises(SettingsError, match="not found"):
        load_settings(tmp_path / "missing.yml")


def test_open_and_closed_follow_the_clinic_time_zone():
    settings = parse_settings(
        dict(BASE, time_zone="America/New_York", opening_hours={"monday": "09:00-17:00"})
    )
    tz = ZoneInfo("America/New_York")
    assert settings.is_open(datetime(2026, 11, 23, 10, 0, tzinfo=tz))  # a Monday
    assert not settings.is_open(datetime(2026, 11, 23, 17, 0, tzinfo=tz))
    assert not settings.is_open(datetime(2026, 11, 24, 10, 0, tzinfo=tz))  # Tuesday: closed
    # 14:30 UTC on that Monday is 09:30 in New York
    assert settings.is_open(datetime(2026, 11, 23, 14, 30, tzinfo=ZoneInfo("UTC")))
    assert "Monday: 09:00 to 17:00" in settings.opening_hours_text()


def test_unicode_values_are_kept():
    settings = parse_settings(dict(BASE, name="Clínica Dolor – Zürich 痛み"))
    assert settings.as_slots()["clinic_name"] == "Clínica Dolor – Zürich 痛み"


def test_privacy_defaults_to_90_days_and_reads_the_file():
    assert load_settings(DEFAULT_SETTINGS_PATH).privacy.retention_days == 90
    raw = {k: v for k, v in BASE.items() if k != "privacy"}
    assert parse_settings(raw).privacy.retention_days == 90
    assert parse_settings(raw).privacy.purge_every_hours == 6
    settings = parse_settings(dict(BASE, privacy={"retention_days": 30, "purge_every_hours": 1}))
    assert (settings.privacy.retention_days, settings.privacy.purge_every_hours) == (30, 1)
    assert "privacy" not in settings.extra


@pytest.mark.parametrize(
    "privacy, message",
    [
        ({"retention_days": 0}, r"privacy\.retention_days: must be a whole number from 1"),
        ({"retention_days": -5}, r"privacy\.retention_days"),
        ({"retention_days": "90"}, r"privacy\.retention_days"),
        ({"retention_days": 1.5}, r"privacy\.retention_days"),
        ({"retention_days": True}, r"privacy\.retention_days"),
        ({"purge_every_hours": 0}, r"privacy\.purge_every_hours"),
        ({"retention": 90}, r"privacy: unknown setting\(s\) retention"),
        ([90], "privacy must map names"),
    ],
)
def test_bad_privacy_settings_are_refused_with_the_key(privacy, message):
    with pytest.raises(SettingsError, match=message):
        parse_settings(dict(BASE, privacy=privacy))
