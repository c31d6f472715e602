"""A turn's urgent guidance reaches the channel before anything else, even the session notice.

Rasa's ``handle_message`` is stood in by a function that sends what a real first turn
sends (the notice at session start, then the answer); the real server's order is checked
end to end in tests/integration/test_red_flags_first_reply.py.
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage

from bot.safety.urgent_first import UrgentFirstChannel, is_urgent, urgent_first_turns

NOTICE = {"text": "Hi! I'm the automated assistant.", "utter_action": "utter_disclosure"}
URGENT = {"text": "Call 911 now.", "utter_action": "utter_red_flag_emergency"}
CRISIS = {"text": "Call 988.", "utter_action": "utter_red_flag_crisis"}
ANSWER = {"text": "PIT is ...", "utter_action": "utter_faq/what_is_pit"}
PLAIN = {"text": "Typed by an action, no response name."}


def turn(*sent: Dict[str, Any]):
    """A stand-in for Rasa's handle_message that sends ``sent`` in order."""

    async def handle_message(processor: Any, message: UserMessage) -> None:
        for part in sent:
            await message.output_channel.send_response(message.sender_id, dict(part))

    return urgent_first_turns(handle_message)


def texts_of(handle, channel: OutputChannel = None) -> List[str]:
    channel = channel or CollectingOutputChannel()
    result = asyncio.run(handle(None, UserMessage("hello", channel, "patient-1")))
    assert result == channel.messages
    return [m["text"] for m in channel.messages]


def test_urgent_guidance_goes_before_the_session_notice():
    assert texts_of(turn(NOTICE, URGENT, CRISIS)) == ["Call 911 now.", "Call 988.", NOTICE["text"]]


def test_every_other_turn_keeps_its_order():
    assert texts_of(turn(NOTICE, ANSWER, PLAIN)) == [NOTICE["text"], "PIT is ...", PLAIN["text"]]
    assert texts_of(turn(ANSWER, URGENT, PLAIN)) == ["Call 911 now.", "PIT is ...", PLAIN["text"]]
    assert texts_of(turn()) == []


def test_a_turn_that_fails_still_sends_what_it_said():
    async def failing(processor: Any, message: UserMessage) -> None:
        await message.output_channel.send_response(message.sender_id, dict(NOTICE))
        raise RuntimeError("the action server is down")

    channel = CollectingOutputChannel()
    with pytest.raises(RuntimeError):
        asyncio.run(urgent_first_turns(failing)(None, UserMessage("hi", channel, "p")))
    assert [m["text"] for m in channel.messages] == [NOTICE["text"]]


def test_the_held_turn_keeps_the_channels_name_and_attributes():
    class Texting(CollectingOutputChannel):
        sid = "socket-7"

        @classmethod
        def name(cls) -> str:
            return "twilio"

    held = UrgentFirstChannel(Texting())
    assert held.name() == "twilio"  # responses written for one channel are still chosen
    assert held.sid == "socket-7"


def test_a_channel_that_is_not_collecting_gets_the_messages_and_no_return_value():
    class Streaming(OutputChannel):
        def __init__(self) -> None:
            self.sent: List[str] = []

        async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
            self.sent.append(message["text"])

    channel = Streaming()
    result = asyncio.run(turn(NOTICE, URGENT)(None, UserMessage("x", channel, "p")))
    assert result is None
    assert channel.sent == ["Call 911 now.", NOTICE["text"]]


def test_only_the_red_flag_responses_count_as_urgent():
    assert is_urgent(URGENT) and is_urgent({"utter_action": "utter_red_flag_es"})
    assert not any(is_urgent(m) for m in (NOTICE, ANSWER, PLAIN, {"utter_action": None}))


def test_a_copy_of_the_held_turn_is_a_working_channel():
    import copy

    held = UrgentFirstChannel(CollectingOutputChannel())
    asyncio.run(held.send_response("p", dict(NOTICE)))
    twin = copy.deepcopy(held)
    asyncio.run(twin.flush())
    assert [m["text"] for m in twin.inner.messages] == [NOTICE["text"]]
