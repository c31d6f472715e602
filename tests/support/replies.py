"""What the assistant answered, read against the domain's responses, and the requests it
stored: helpers the live tests share (REST stack, channels, cluster).

Responses are recognised by their fixed start (up to the first placeholder or line break),
so a test does not break when the clinic's details filled into them change.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List

import yaml

from bot.bookings import repository
from bot.bookings.db import session_factory, session_scope
from bot.settings import PROJECT_ROOT

RESPONSES: Dict[str, Any] = yaml.safe_load(
    (PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8")
)["responses"]
Messages = List[Dict[str, Any]]


def text_of(messages: Messages) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def prompt(response: str) -> str:
    """The fixed start of a domain response (up to its first placeholder or line break)."""
    return re.split(r"[{\n]", RESPONSES[response][0]["text"])[0].strip()


def says(messages: Messages, response: str) -> bool:
    return prompt(response) in text_of(messages)


def requests_of(database_url: str, sender: str) -> List[Any]:
    """Requests one conversation stored (the same query as `python -m bot bookings list`)."""
    with session_scope(session_factory(database_url)) as session:
        return [r for r in repository.list_requests(session) if r.conversation_id == sender]
