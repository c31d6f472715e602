"""Conversation events as Rasa publishes them, through Rasa's own SQL event broker:
what the studio inbox's tests feed the consumer (no servers needed)."""

from __future__ import annotations

from pathlib import Path
from typing import List

from rasa.core.brokers.sql import SQLEventBroker
from rasa.shared.core.events import BotUttered, Event, UserUttered

from bot.studio.inbox import source

START = 1_764_000_000.0  # 2025-11-24, a fixed clock for every event
DAY = 86_400.0


def user(text: str, intent: str, confidence: float = 0.9, topic: str = "", **kw) -> UserUttered:
    parse = {"intent": {"name": intent, "confidence": confidence}, "text": text}
    if topic:
        parse["response_selector"] = {
            "faq": {"response": {"intent_response_key": topic, "confidence": confidence}}
        }
    return UserUttered(text, intent=parse["intent"], parse_data=parse, input_channel="rest", **kw)


def bot(response: str) -> BotUttered:
    return BotUttered("reply", metadata={"utter_action": response})


class Broker:
    """Rasa's real SQLEventBroker on a SQLite file, fed the way Rasa's tracker store does."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.broker = SQLEventBroker(db=str(path))
        self.clock = START

    def send(self, sender: str, events: List[Event], gap: float = 5.0) -> None:
        for event in events:
            self.clock += gap if isinstance(event, UserUttered) else 0.01
            event.timestamp = self.clock
            self.broker.publish({"sender_id": sender, **event.as_dict()})

    def queued(self) -> int:
        engine = source.open_queue(f"sqlite:///{self.path}")
        try:
            return len(source.take(engine, 10_000))
        finally:
            engine.dispose()
