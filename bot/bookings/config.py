"""The ``booking:`` section of clinic.yml, validated into plain dataclasses.

Only the hand-off channels that are switched on (``booking.handoff``) must be
complete, so a clinic can leave the others blank. Secrets are never in the file:
the file names the environment variable that holds them.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Mapping, Optional, Tuple, cast
from urllib.parse import urlsplit

from bot.settings import ClinicSettings, SettingsError

ADAPTER_NAMES = ("link", "webhook", "email")
# Request fields a booking link may carry (key in booking.link.params).
LINK_FIELDS = (
    "name",
    "phone",
    "email",
    "pain_area",
    "patient_type",
    "preferred_times",
    "kind",
    "reference",
)
DATABASE_URL_ENV = "PIT_DATABASE_URL"
DEFAULT_MAX_ATTEMPTS = 12


@dataclass(frozen=True)
class LinkConfig:
    base_url: str
    params: Dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class WebhookConfig:
    url: str
    secret_env: str
    timeout_seconds: float = 10.0

    def secret(self) -> Optional[str]:
        return os.environ.get(self.secret_env) or None


@dataclass(frozen=True)
class EmailConfig:
    host: str
    port: int
    sender: str
    recipients: Tuple[str, ...]
    starttls: bool = True
    ssl: bool = False
    username: str = ""
    password_env: str = ""
    timeout_seconds: float = 20.0

    def password(self) -> Optional[str]:
        if not self.password_env:
            return None
        return os.environ.get(self.password_env) or None


@dataclass(frozen=True)
class RetryConfig:
    # 12 tries with the default delays span 2.5 to 5 hours, so a receiver down for an hour
    # (a mail server's maintenance) never ends as "failed" (8 gave up after 32-63 minutes).
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    base_delay_seconds: float = 30.0
    max_delay_seconds: float = 3600.0
    lease_seconds: float = 120.0
    interval_seconds: float = 15.0


@dataclass(frozen=True)
class BookingConfig:
    database_url: str = ""
    handoff: Tuple[str, ...] = ("link",)
    link: Optional[LinkConfig] = None
    webhook: Optional[WebhookConfig] = None
    email: Optional[EmailConfig] = None
    retry: RetryConfig = field(default_factory=RetryConfig)

    def effective_database_url(self) -> str:
        """``$PIT_DATABASE_URL`` if set, else ``booking.database_url``, else '' (default file)."""
        return os.environ.get(DATABASE_URL_ENV, "").strip() or self.database_url


def _section(raw: Mapping[str, object], key: str, where: str) -> Mapping[str, object]:
    value = raw.get(key) or {}
    if not isinstance(value, Mapping):
        raise SettingsError(f"{where}.{key} must be a mapping of names to values")
    return value


def _text(raw: Mapping[str, object], key: str, where: str, required: bool = True) -> str:
    value = raw.get(key)
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise SettingsError(f"{where}.{key} is required")
    return text


def _number(
    raw: Mapping[str, object], key: str, where: str, default: float, low: float, high: float
) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool):
        raise SettingsError(f"{where}.{key} must be a number")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise SettingsError(f"{where}.{key} must be a number") from None
    if not low <= number <= high:
        raise SettingsError(f"{where}.{key} must be between {low:g} and {high:g}")
    return number


def _flag(raw: Mapping[str, object], key: str, where: str, default: bool) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise SettingsError(f"{where}.{key} must be true or false")
    return value


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _http_url(value: str, where: str, allow_http: bool) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"{where} must be a full web address starting with https://")
    if parts.scheme == "http" and not (allow_http or _is_loopback(parts.hostname)):
        raise SettingsError(
            f"{where} uses http://, which sends patient details unencrypted; use https:// "
            "(or set allow_http: true for a receiver on your own private network)"
        )
    return value


def _parse_link(raw: Mapping[str, object], settings: ClinicSettings) -> LinkConfig:
    where = "booking.link"
    base = _text(raw, "url", where, required=False) or settings.booking_url
    _http_url(base, f"{where}.url (or booking_url)", allow_http=False)
    params_raw = _section(raw, "params", where)
    params: Dict[str, str] = {}
    for key, name in params_raw.items():
        if key not in LINK_FIELDS:
            raise SettingsError(f"{where}.params: '{key}' is not one of {', '.join(LINK_FIELDS)}")
        if not isinstance(name, str) or not name.strip():
            raise SettingsError(f"{where}.params.{key} must be the query parameter name to fill")
        params[str(key)] = name.strip()
    return LinkConfig(base_url=base, params=params)


def _parse_webhook(raw: Mapping[str, object]) -> WebhookConfig:
    where = "booking.webhook"
    url = _http_url(
        _text(raw, "url", where), f"{where}.url", _flag(raw, "allow_http", where, False)
    )
    return WebhookConfig(
        url=url,
        secret_env=_text(raw, "secret_env", where),
        timeout_seconds=_number(raw, "timeout_seconds", where, 10.0, 0.1, 120.0),
    )


def _listed(value: object) -> List[object]:
    """A setting that may be one item or a list of items, as a list."""
    return [value] if isinstance(value, str) else list(cast(Iterable[object], value or []))


def _parse_email(raw: Mapping[str, object]) -> EmailConfig:
    from bot.bookings.validation import InvalidEmail, validate_email

    where = "booking.email"
    to_raw = raw.get("to")
    to_list = _listed(to_raw)
    if not to_list:
        raise SettingsError(f"{where}.to is required (the clinic address(es) to send to)")
    try:
        sender = validate_email(_text(raw, "from", where))
        recipients = tuple(validate_email(str(item)) for item in to_list)
    except InvalidEmail:
        raise SettingsError(f"{where}: 'from' and 'to' must be valid email addresses") from None
    starttls = _flag(raw, "starttls", where, True)
    use_ssl = _flag(raw, "ssl", where, False)
    if starttls and use_ssl:
        raise SettingsError(f"{where}: choose either starttls or ssl, not both")
    username = _text(raw, "username", where, required=False)
    password_env = _text(raw, "password_env", where, required=bool(username))
    return EmailConfig(
        host=_text(raw, "host", where),
        port=int(_number(raw, "port", where, 465 if use_ssl else 587, 1, 65535)),
        sender=sender,
        recipients=recipients,
        starttls=starttls,
        ssl=use_ssl,
        username=username,
        password_env=password_env,
        timeout_seconds=_number(raw, "timeout_seconds", where, 20.0, 0.1, 300.0),
    )


def _parse_retry(raw: Mapping[str, object]) -> RetryConfig:
    where = "booking.delivery"
    base = _number(raw, "base_delay_seconds", where, 30.0, 0.0, 86400.0)
    return RetryConfig(
        max_attempts=int(_number(raw, "max_attempts", where, DEFAULT_MAX_ATTEMPTS, 1, 100)),
        base_delay_seconds=base,
        max_delay_seconds=max(
            base, _number(raw, "max_delay_seconds", where, 3600.0, 0.0, 7 * 86400.0)
        ),
        lease_seconds=_number(raw, "lease_seconds", where, 120.0, 1.0, 86400.0),
        interval_seconds=_number(raw, "interval_seconds", where, 15.0, 0.1, 3600.0),
    )


def parse_booking_config(settings: ClinicSettings) -> BookingConfig:
    """Validate ``settings.extra['booking']``; a missing section means link-only defaults."""
    raw = settings.extra.get("booking") or {}
    if not isinstance(raw, Mapping):
        raise SettingsError("booking must be a mapping of names to values")
    handoff_raw = raw.get("handoff", ["link"])
    handoff_list = _listed(handoff_raw)
    handoff = tuple(dict.fromkeys(str(name).strip().lower() for name in handoff_list))
    unknown = [name for name in handoff if name not in ADAPTER_NAMES]
    if unknown:
        raise SettingsError(
            f"booking.handoff: unknown {', '.join(unknown)}; choose from {', '.join(ADAPTER_NAMES)}"
        )
    return BookingConfig(
        database_url=_text(raw, "database_url", "booking", required=False),
        handoff=handoff,
        link=_parse_link(_section(raw, "link", "booking"), settings) if "link" in handoff else None,
        webhook=_parse_webhook(_section(raw, "webhook", "booking"))
        if "webhook" in handoff
        else None,
        email=_parse_email(_section(raw, "email", "booking")) if "email" in handoff else None,
        retry=_parse_retry(_section(raw, "delivery", "booking")),
    )


def environment_problems(config: BookingConfig) -> Tuple[str, ...]:
    """Secrets the enabled hand-offs need but the environment lacks (names only)."""
    problems = []
    if config.webhook and not config.webhook.secret():
        problems.append(
            f"environment variable {config.webhook.secret_env} (webhook signing secret) is not set"
        )
    if config.email and config.email.username and not config.email.password():
        problems.append(
            f"environment variable {config.email.password_env} (email password) is not set"
        )
    return tuple(problems)
