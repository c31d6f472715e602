"""Malformed input, size and rate limits on the real REST and socket.io channels.

This module's stack runs with the shipped limits (20 messages a minute per sender and per
client address, 1,000 characters). Every test here comes from 127.0.0.1 and so shares one
address budget: the tests run in file order and the flood tests come last.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Iterator, List

import pytest

from bot.settings import get_settings
from bot.stack import Stack
from tests.support.rest import RestChat
from tests.support.socket_chat import socket_chat
from tests.support.stack import running_stack

pytestmark = pytest.mark.integration

SETTINGS = get_settings()
LIMITS = SETTINGS.limits


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with running_stack(limits=None) as started:
        yield started


def user_texts(stack: Stack, sender: str) -> List[str]:
    """What the tracker store kept of this sender's messages."""
    with sqlite3.connect(stack.workdir / "tracker.db") as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user'", (sender,)
        ).fetchall()
    return [json.loads(data).get("text") for (data,) in rows]


MALFORMED = [
    b"",
    b"null",
    b"[]",
    b'"does it hurt?"',
    b"12",
    b"{",
    b"\x00\xff",
    b'{"sender": null, "message": "hi"}',
    b'{"sender": "a", "message": 5}',
    b'{"sender": "a", "message": {"$gt": ""}}',
    b'{"sender": ["a"], "message": "hi"}',
]


def test_malformed_rest_requests_get_a_clear_4xx_and_the_server_stays_up(stack):
    chat = RestChat(stack.rest_url)
    for body in MALFORMED:
        status, answer = chat.post_raw(body)
        assert 400 <= status < 500, (body, status, answer[:200])
        assert b"Traceback" not in answer and json.loads(answer)["error"]
    assert "automated assistant" in chat.texts("/session_start")


def test_huge_rest_body_is_refused_by_size(stack):
    chat = RestChat(stack.rest_url)
    body = json.dumps({"sender": chat.sender, "message": "x" * 200_000}).encode()
    status, _ = chat.post_raw(body)
    assert status == 413
    assert user_texts(stack, chat.sender) == []


def test_message_over_the_limit_gets_a_polite_answer_and_is_not_stored(stack):
    chat = RestChat(stack.rest_url)
    long_text = "my knee hurts " * (LIMITS.message_max_chars // 10)
    status, answer = chat.post_raw(
        json.dumps({"sender": chat.sender, "message": long_text}).encode()
    )
    assert status == 413
    [message] = json.loads(answer)
    assert SETTINGS.phone in message["text"] and str(LIMITS.message_max_chars) in message["text"]
    assert user_texts(stack, chat.sender) == []


async def test_socketio_refuses_long_messages_and_survives_malformed_events(stack):
    long_text = "x" * (LIMITS.message_max_chars + 1)
    received = await socket_chat(
        stack, ["junk-not-an-object", [1, 2], {"message": 5}, None, long_text, "/session_start"]
    )
    texts = [r.get("text", "") for r in received]
    refusal = next(t for t in texts if str(LIMITS.message_max_chars) in t)
    assert SETTINGS.phone in refusal
    assert any("automated assistant" in t for t in texts), texts  # still answers normally


def test_flood_from_one_sender_is_limited_politely_and_nothing_is_stored_twice(stack):
    chat = RestChat(stack.rest_url)
    accepted, refused = 0, None
    for n in range(LIMITS.messages_per_minute + 1):
        status, answer = chat.post_raw(
            json.dumps({"sender": chat.sender, "message": f"hello {n}"}).encode()
        )
        if status == 429:
            refused = json.loads(answer)
            break
        assert status == 200, answer[:200]
        accepted += 1
    assert refused is not None and 0 < accepted <= LIMITS.messages_per_minute
    assert SETTINGS.phone in refused[0]["text"]
    assert user_texts(stack, chat.sender) == [f"hello {n}" for n in range(accepted)]


def test_a_new_sender_from_the_same_address_is_limited_too(stack):
    chat = RestChat(stack.rest_url)
    status, answer = chat.post_raw(json.dumps({"sender": chat.sender, "message": "hi"}).encode())
    assert status == 429 and SETTINGS.phone in json.loads(answer)[0]["text"]
    assert user_texts(stack, chat.sender) == []
