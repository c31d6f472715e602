"""The channels' own short texts (bot/channels/messages.yml), filled with clinic.yml values."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Dict

import yaml

from bot.settings import get_settings

MESSAGES_FILE = Path(__file__).with_name("messages.yml")
REQUIRED = (
    "unsupported",
    "option_line",
    "list_button",
    "choose",
    "expired",
    "stop",
    "start",
    "help",
)


@lru_cache(maxsize=1)
def _templates() -> Dict[str, str]:
    data = yaml.safe_load(MESSAGES_FILE.read_text(encoding="utf-8")) or {}
    missing = [name for name in REQUIRED if not isinstance(data.get(name), str)]
    if missing:
        raise ValueError(f"{MESSAGES_FILE}: missing texts: {', '.join(missing)}")
    return {name: " ".join(str(data[name]).split()) for name in REQUIRED}


def text(name: str) -> str:
    """The text called ``name`` with the clinic's details filled in."""
    template = _templates()[name]
    if name == "option_line":  # filled per option by render.numbered_options
        return template
    return template.format(**get_settings().as_slots())
