"""Which messaging channels exist, which secrets turn each on, and where providers call.

A channel is on when every one of its secrets is set in the environment. The
Rasa server gets a credentials file with only those channels (see bot/stack.py),
so an unconfigured channel has no public endpoint at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

import yaml

PUBLIC_BASE_URL_ENV = "PUBLIC_BASE_URL"
META_GRAPH_API_BASE_ENV = "META_GRAPH_API_BASE"
DEFAULT_GRAPH_API_BASE = "https://graph.facebook.com/v21.0"


@dataclass(frozen=True)
class ChannelSpec:
    name: str  # also the URL prefix: /webhooks/<name>/webhook
    label: str
    class_path: str  # the key in credentials.yml
    secrets: Tuple[str, ...]

    def missing(self, env: Mapping[str, str]) -> List[str]:
        return [name for name in self.secrets if not (env.get(name) or "").strip()]

    def enabled(self, env: Mapping[str, str]) -> bool:
        return not self.missing(env)

    def webhook_path(self) -> str:
        return f"/webhooks/{self.name}/webhook"


CHANNELS: Tuple[ChannelSpec, ...] = (
    ChannelSpec(
        "twilio",
        "Twilio SMS and WhatsApp",
        "bot.channels.twilio.TwilioChannel",
        ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM"),
    ),
    ChannelSpec(
        "whatsapp",
        "WhatsApp Cloud API",
        "bot.channels.whatsapp.WhatsAppChannel",
        (
            "WHATSAPP_ACCESS_TOKEN",
            "WHATSAPP_PHONE_NUMBER_ID",
            "META_APP_SECRET",
            "META_VERIFY_TOKEN",
        ),
    ),
    ChannelSpec(
        "telegram",
        "Telegram",
        "bot.channels.telegram.TelegramChannel",
        ("TELEGRAM_BOT_TOKEN", "TELEGRAM_SECRET_TOKEN"),
    ),
    ChannelSpec(
        "messenger",
        "Facebook Messenger",
        "bot.channels.messenger.MessengerChannel",
        ("MESSENGER_PAGE_ACCESS_TOKEN", "META_APP_SECRET", "META_VERIFY_TOKEN"),
    ),
)
BY_CLASS_PATH: Dict[str, ChannelSpec] = {spec.class_path: spec for spec in CHANNELS}


def spec(name: str) -> ChannelSpec:
    return next(s for s in CHANNELS if s.name == name)


def enabled_channels(env: Mapping[str, str]) -> List[ChannelSpec]:
    return [spec for spec in CHANNELS if spec.enabled(env)]


def half_configured(env: Mapping[str, str]) -> Dict[str, List[str]]:
    """Channels with some but not all secrets set: name -> what is missing (for a warning)."""
    found = {}
    for channel in CHANNELS:
        missing = channel.missing(env)
        if missing and len(missing) < len(channel.secrets):
            found[channel.name] = missing
    return found


def public_base_url(env: Mapping[str, str], fallback: str) -> str:
    return ((env.get(PUBLIC_BASE_URL_ENV) or "").strip() or fallback).rstrip("/")


def write_credentials(source: Path, target: Path, env: Mapping[str, str]) -> Path:
    """``source`` (credentials.yml) without the messaging channels whose secrets are not set."""
    config: Dict[str, Any] = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    for class_path, channel in BY_CLASS_PATH.items():
        if class_path in config and not channel.enabled(env):
            del config[class_path]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return target


def describe(env: Mapping[str, str], base_url: str) -> List[str]:
    """Lines for the start-up output: each channel that is on, with its webhook URL."""
    base = public_base_url(env, base_url)
    lines = [f"{c.label + ':':<26}{base}{c.webhook_path()}" for c in enabled_channels(env)]
    for name, missing in half_configured(env).items():
        lines.append(f"{spec(name).label} is off: {', '.join(missing)} not set")
    none = 'No messaging channel is on (set their secrets; see README "Messaging channels").'
    return lines or [none]


def env_value(env: Mapping[str, str], name: str, default: Optional[str] = None) -> str:
    value = (env.get(name) or "").strip()
    return value or (default or "")
