"""What the chat widget needs to know, served as ``/config.json``.

The widget reads clinic details from here instead of carrying its own copy, and
the socket.io event names and path come from ``credentials.yml`` so that the page
and the Rasa server cannot drift apart.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Mapping, Optional
from urllib.parse import urlsplit

import yaml

from bot import intents
from bot.settings import PROJECT_ROOT, get_settings

CREDENTIALS_PATH = PROJECT_ROOT / "credentials.yml"
DEFAULT_RASA_URL = "http://localhost:5005"
# Longest message the widget sends. Longer text stays in the box with a clear note.
MAX_MESSAGE_CHARS = 1000
# Sent once, silently, when a visitor first opens the widget: Rasa answers with the
# automated-assistant disclosure, so it is the first thing the visitor reads.
INIT_PAYLOAD = intents.payload(intents.SESSION_START)

_SOCKETIO_DEFAULTS = {
    "socketio_path": "/socket.io",
    "user_message_evt": "user_uttered",
    "bot_message_evt": "bot_uttered",
}


def normalise_rasa_url(url: str) -> str:
    """``http(s)://host[:port]`` without a trailing slash; anything else is refused.

    The URL ends up in the Content-Security-Policy header, so it must not carry
    spaces, semicolons or a path that could widen the policy.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"Rasa URL must look like http://host:port, got {url!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValueError(f"Rasa URL must be only scheme, host and port, got {url!r}")
    if any(ch in parts.netloc for ch in " ;,'\"\\"):
        raise ValueError(f"Rasa URL has characters that are not allowed: {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def socketio_credentials(path: Path = CREDENTIALS_PATH) -> Dict[str, str]:
    """The socket.io channel's event names and path from ``credentials.yml``."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        raw = {}
    section: Mapping[str, Any] = raw.get("socketio") or {} if isinstance(raw, Mapping) else {}
    return {key: str(section.get(key) or default) for key, default in _SOCKETIO_DEFAULTS.items()}


def page_config(rasa_url: str, credentials: Optional[Path] = None) -> Dict[str, Any]:
    """The JSON the widget loads at start-up (all of it is public)."""
    channel = socketio_credentials(credentials or CREDENTIALS_PATH)
    return {
        "clinic": get_settings().public_dict(),
        "rasa_url": normalise_rasa_url(rasa_url),
        "socket_path": channel["socketio_path"],
        "user_message_event": channel["user_message_evt"],
        "bot_message_event": channel["bot_message_evt"],
        "max_message_chars": MAX_MESSAGE_CHARS,
        "init_payload": INIT_PAYLOAD,
    }
