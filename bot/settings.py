"""Clinic settings: the one file (``clinic.yml``) that holds every clinic detail.

Actions, responses (through slots filled at session start) and the web page read
clinic facts from here, so a clinic changes its name or phone number in one place
and no clinic text is hard-coded anywhere else.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Dict, Mapping, Optional, Tuple

import yaml

try:  # Python 3.9+
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
except ImportError:  # pragma: no cover - Python 3.8
    from backports.zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # type: ignore

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SETTINGS_PATH = PROJECT_ROOT / "clinic.yml"
SETTINGS_ENV_VAR = "PIT_CLINIC_SETTINGS"

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
REQUIRED_TEXT_FIELDS = (
    "name",
    "practitioner",
    "phone",
    "email",
    "address",
    "booking_url",
    "emergency_number",
    "crisis_line",
    "time_zone",
)
_HOURS_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class SettingsError(ValueError):
    """The clinic settings file is missing, unreadable or has a wrong value."""


@dataclass(frozen=True)
class Limits:
    """Abuse limits (``limits:`` in clinic.yml), applied by every chat channel."""

    messages_per_minute: int = 20  # per sender and per client address
    message_max_chars: int = 1000  # the widget's limit too
    booking_requests_per_day: int = 3  # per phone number or email address


# name: (smallest, largest) allowed value
_LIMIT_RANGES = {
    "messages_per_minute": (1, 10_000),
    "message_max_chars": (20, 100_000),
    "booking_requests_per_day": (1, 1_000),
}


def _parse_limits(raw: object) -> Limits:
    if raw is None:
        return Limits()
    if not isinstance(raw, Mapping):
        raise SettingsError("limits must map names to whole numbers")
    unknown = sorted(set(map(str, raw)) - set(_LIMIT_RANGES))
    if unknown:
        raise SettingsError(f"limits: unknown setting(s) {', '.join(unknown)}")
    values: Dict[str, int] = {}
    for name, (low, high) in _LIMIT_RANGES.items():
        value = raw.get(name, getattr(Limits, name))
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise SettingsError(f"limits.{name}: must be a whole number from {low} to {high}")
        values[name] = value
    return Limits(**values)


@dataclass(frozen=True)
class Privacy:
    """How long patients' data is kept (``privacy:`` in clinic.yml), see bot/privacy."""

    retention_days: int = 90  # conversations and booking requests older than this are purged
    purge_every_hours: int = 6  # how often the running assistant purges


# name: (smallest, largest) allowed value. Retention 0 would erase a conversation while
# the patient is still typing; 100 years is "keep", which a clinic should say on purpose.
_PRIVACY_RANGES = {
    "retention_days": (1, 36_500),
    "purge_every_hours": (1, 168),
}


def _parse_privacy(raw: object) -> Privacy:
    if raw is None:
        return Privacy()
    if not isinstance(raw, Mapping):
        raise SettingsError("privacy must map names to whole numbers, e.g. retention_days: 90")
    unknown = sorted(set(map(str, raw)) - set(_PRIVACY_RANGES))
    if unknown:
        raise SettingsError(f"privacy: unknown setting(s) {', '.join(unknown)}")
    values: Dict[str, int] = {}
    for name, (low, high) in _PRIVACY_RANGES.items():
        value = raw.get(name, getattr(Privacy, name))
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise SettingsError(
                f"privacy.{name}: must be a whole number from {low} to {high} (got {value!r})"
            )
        values[name] = value
    return Privacy(**values)


@dataclass(frozen=True)
class ClinicSettings:
    """Validated clinic details."""

    name: str
    practitioner: str
    phone: str
    email: str
    address: str
    booking_url: str
    emergency_number: str
    crisis_line: str
    time_zone: str
    phone_region: str = "US"
    opening_hours: Dict[str, Tuple[time, time]] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    privacy: Privacy = field(default_factory=Privacy)
    extra: Mapping[str, object] = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def is_open(self, moment: Optional[datetime] = None) -> bool:
        """Whether the clinic is open at ``moment`` (default: now), in its own time zone."""
        local = (moment or datetime.now(tz=self.tz)).astimezone(self.tz)
        hours = self.opening_hours.get(WEEKDAYS[local.weekday()])
        if not hours:
            return False
        start, end = hours
        return start <= local.time() < end

    def opening_hours_text(self) -> str:
        """Opening hours as short plain lines, e.g. ``Monday: 8:30 to 17:00``."""
        lines = []
        for day in WEEKDAYS:
            hours = self.opening_hours.get(day)
            if hours:
                start, end = hours
                lines.append(f"{day.capitalize()}: {start:%H:%M} to {end:%H:%M}")
        return "\n".join(lines) if lines else "Please call the clinic for opening hours."

    def as_slots(self) -> Dict[str, str]:
        """Values for the ``clinic_*`` slots that responses interpolate."""
        return {
            "clinic_name": self.name,
            "clinic_practitioner": self.practitioner,
            "clinic_phone": self.phone,
            "clinic_email": self.email,
            "clinic_address": self.address,
            "clinic_booking_url": self.booking_url,
            "clinic_emergency_number": self.emergency_number,
            "clinic_crisis_line": self.crisis_line,
            "clinic_hours": self.opening_hours_text(),
        }

    def public_dict(self) -> Dict[str, str]:
        """What the web page may show (all of it is public clinic information)."""
        data = self.as_slots()
        data["clinic_time_zone"] = self.time_zone
        return data


def _parse_hours(day: str, value: object) -> Tuple[time, time]:
    match = _HOURS_RE.match(str(value))
    if not match:
        raise SettingsError(
            f"opening_hours.{day}: '{value}' is not like '08:30-17:00' (24-hour, start-end)"
        )
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        start, end = time(h1, m1), time(h2, m2)
    except ValueError as exc:
        raise SettingsError(f"opening_hours.{day}: {exc}") from exc
    if end <= start:
        raise SettingsError(f"opening_hours.{day}: closing time must be after opening time")
    return start, end


def parse_settings(raw: Mapping[str, object]) -> ClinicSettings:
    """Validate a settings mapping and return :class:`ClinicSettings`."""
    if not isinstance(raw, Mapping):
        raise SettingsError("the settings file must be a YAML mapping of names to values")
    missing = [key for key in REQUIRED_TEXT_FIELDS if not str(raw.get(key) or "").strip()]
    if missing:
        raise SettingsError("missing clinic settings: " + ", ".join(missing))
    try:
        ZoneInfo(str(raw["time_zone"]))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SettingsError(f"time_zone: unknown time zone '{raw['time_zone']}'") from exc

    hours_raw = raw.get("opening_hours") or {}
    if not isinstance(hours_raw, Mapping):
        raise SettingsError("opening_hours must map weekday names to 'HH:MM-HH:MM'")
    hours: Dict[str, Tuple[time, time]] = {}
    for day, value in hours_raw.items():
        key = str(day).strip().lower()
        if key not in WEEKDAYS:
            raise SettingsError(f"opening_hours: '{day}' is not a weekday name")
        hours[key] = _parse_hours(key, value)

    limits = _parse_limits(raw.get("limits"))
    privacy = _parse_privacy(raw.get("privacy"))
    known = set(REQUIRED_TEXT_FIELDS) | {"phone_region", "opening_hours", "limits", "privacy"}
    return ClinicSettings(
        **{key: str(raw[key]).strip() for key in REQUIRED_TEXT_FIELDS},
        phone_region=str(raw.get("phone_region") or "US").strip().upper(),
        opening_hours=hours,
        limits=limits,
        privacy=privacy,
        extra={k: v for k, v in raw.items() if k not in known},
    )


def settings_path() -> Path:
    """The settings file in use: ``$PIT_CLINIC_SETTINGS`` or ``clinic.yml`` at the root."""
    return Path(os.environ.get(SETTINGS_ENV_VAR) or DEFAULT_SETTINGS_PATH)


def load_settings(path: Optional[Path] = None) -> ClinicSettings:
    """Read and validate the clinic settings file."""
    path = Path(path) if path else settings_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SettingsError(f"clinic settings file not found: {path}") from exc
    except yaml.YAMLError as exc:
        raise SettingsError(f"clinic settings file {path} is not valid YAML: {exc}") from exc
    return parse_settings(raw or {})


@lru_cache(maxsize=1)
def get_settings() -> ClinicSettings:
    """Settings loaded once per process (restart to pick up edits)."""
    return load_settings()
