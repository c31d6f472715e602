"""Start the inbox's consumer in the web process, reading the broker Rasa writes to."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Optional, Union

from bot.studio.inbox.consumer import InboxConsumer
from bot.studio.inbox.pika_consumer import PikaInboxConsumer
from bot.studio.inbox.source import EventSourceError, broker_settings, broker_url, is_pika

logger = logging.getLogger(__name__)


def start_inbox(
    app: Any, region: str, endpoints: Path, folder: Optional[Path] = None
) -> Optional[Union[InboxConsumer, PikaInboxConsumer]]:
    """The running consumer, or None (said once in the log) when there is no broker it reads."""
    from bot.studio.app import studio_options

    try:
        settings = broker_settings(endpoints)  # a wrong setting is said now, not every round
    except EventSourceError as error:
        logger.warning("studio inbox: %s; the inbox stays empty", error)
        return None
    if settings is None:
        logger.warning("studio inbox: no event_broker in %s; the inbox stays empty", endpoints)
        return None
    sessions = studio_options(app).session_factory()
    consumer: Union[InboxConsumer, PikaInboxConsumer]
    if is_pika(settings):
        consumer = PikaInboxConsumer(settings, sessions, region)
    else:
        consumer = InboxConsumer(lambda: broker_url(endpoints, folder), sessions, region)
    return consumer.start()
