"""A patient's thumbs up or down under one of the widget's answers, kept in the conversation.

The widget sends the rated answer's text (Rasa's socket.io output sends an answer's
paragraphs as separate messages, so it may be one paragraph of it); the rating is stored
only if this conversation really got that answer, as a ``SlotSet`` of ``answer_rating`` (a
slot that influences nothing) holding "up" or "down" and the answer's time. It reaches the
studio's inbox and analytics through the event broker like every other event. Nothing else
can be set this way.
"""

from __future__ import annotations

import logging
from typing import Any, Optional

from rasa.shared.core.events import BotUttered, SlotSet

logger = logging.getLogger(__name__)

RATING_SLOT = "answer_rating"
VALUES = ("up", "down")
MAX_ANSWER_CHARS = 5000


def rating_problem(value: Any, answer: Any) -> Optional[str]:
    if value not in VALUES:
        return "the rating is neither up nor down"
    if not isinstance(answer, str) or not answer.strip() or len(answer) > MAX_ANSWER_CHARS:
        return "no answer text"
    return None


async def record_rating(agent: Any, sender_id: str, answer: str, value: str) -> bool:
    """Store the rating in the conversation; False when it has no such answer."""
    tracker_store, lock_store = agent.tracker_store, agent.lock_store
    async with lock_store.lock(sender_id):
        tracker = await tracker_store.retrieve(sender_id)
        if tracker is None:
            return False
        rated = next(
            (
                event
                for event in reversed(tracker.events)
                if isinstance(event, BotUttered) and answer.strip() in (event.text or "")
            ),
            None,
        )
        if rated is None:
            return False
        tracker.update(SlotSet(RATING_SLOT, {"rating": value, "answer_at": rated.timestamp}))
        await tracker_store.save(tracker)
    return True
