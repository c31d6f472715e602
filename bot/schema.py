"""Every table of the assistant's database in one metadata, for Alembic and its checks.

Booking requests (bot/bookings/models.py) and the messaging channels' state
(bot/channels/models.py) share one database and one migration history.
"""

from __future__ import annotations

import bot.channels.models  # noqa: F401  (registers the channel tables)
from bot.bookings.models import metadata

__all__ = ["metadata"]
