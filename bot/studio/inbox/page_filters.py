"""The filter form the inbox, conversation and analytics pages share: a range of UTC days
and a channel, read from the query string (a date that is not one is ignored)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Dict, List, Optional

from flask import request

from bot.studio.inbox.analytics import Filters, date_day

MAX_CHANNEL_CHARS = 64


@dataclass(frozen=True)
class PageFilters:
    since: Optional[date]
    until: Optional[date]
    channel: str

    @property
    def filters(self) -> Filters:
        return Filters(
            date_day(self.since) if self.since else None,
            date_day(self.until) if self.until else None,
            self.channel or None,
        )

    def form(self, channels: List[str]) -> Dict[str, Any]:
        """What the templates' filter fields show (``_filters.html``)."""
        return {
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "channel": self.channel,
            "channels": channels,
        }


def _day(name: str) -> Optional[date]:
    try:
        value = request.args.get(name, "")
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def page_filters() -> PageFilters:
    return PageFilters(
        _day("from"), _day("to"), request.args.get("channel", "")[:MAX_CHANNEL_CHARS]
    )


def utc_minute(at: float) -> str:
    """An event's time as the pages show it."""
    return datetime.fromtimestamp(at, timezone.utc).strftime("%Y-%m-%d %H:%M")
