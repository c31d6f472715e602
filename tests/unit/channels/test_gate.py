"""The checks every channel applies: limits from clinic.yml, body parsing for REST."""

from __future__ import annotations

import copy
import json

import pytest

from bot.channels.gate import MessageGate, SlidingWindow, readable_text
from bot.channels.rest import BadRequest, RestMessage, parse_body
from bot.settings import Limits, SettingsError, get_settings, parse_settings
from tests.unit.test_settings import BASE


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_shipped_limits_are_the_documented_defaults():
    assert get_settings().limits == Limits(20, 1000, 3)


@pytest.mark.parametrize(
    "limits",
    [
        "many",
        {"messages_per_minute": 0},
        {"messages_per_minute": "20"},
        {"messages_per_minute": True},
        {"message_max_chars": 5},
        {"booking_requests_per_day": -1},
        {"typo_per_minute": 5},
    ],
)
def test_bad_limits_are_named_in_the_error(limits):
    raw = copy.deepcopy(BASE)
    raw["limits"] = limits
    with pytest.raises(SettingsError, match="limits"):
        parse_settings(raw)


def test_missing_limits_fall_back_to_the_defaults():
    raw = copy.deepcopy(BASE)
    raw.pop("limits", None)
    assert parse_settings(raw).limits == Limits()


def test_sliding_window_allows_the_limit_then_recovers():
    clock = Clock()
    window = SlidingWindow(3, window=60, clock=clock)
    assert [window.allow("a") for _ in range(4)] == [True, True, True, False]
    assert window.allow("b")  # other keys are counted apart
    clock.now += 30
    assert not window.allow("a")  # refused messages do not extend the wait
    clock.now += 31
    assert window.allow("a")


def test_sliding_window_memory_is_bounded():
    window = SlidingWindow(1, clock=Clock(), max_keys=100)
    for n in range(1000):
        window.allow(f"k{n}")
    assert len(window._events) == 100


def test_gate_limits_per_sender_and_per_address():
    clock = Clock()
    gate = MessageGate(get_settings(), clock=clock)
    limit = get_settings().limits.messages_per_minute
    assert all(gate.check("s1", "10.0.0.1", "hi") is None for _ in range(limit))
    refusal = gate.check("s1", "10.0.0.2", "hi")
    assert refusal.reason == "rate" and get_settings().phone in refusal.text
    # Many senders from one address: the address limit holds.
    results = [gate.check(f"fresh-{n}", "10.0.0.9", "hi") for n in range(limit + 1)]
    assert results[:limit] == [None] * limit and results[-1].reason == "rate"
    clock.now += 61
    assert gate.check("s1", "10.0.0.1", "hi") is None


def test_gate_refuses_oversized_messages_politely():
    gate = MessageGate(get_settings())
    limit = get_settings().limits.message_max_chars
    assert gate.check("s", None, "x" * limit) is None
    refusal = gate.check("s", None, "x" * (limit + 1))
    assert refusal.reason == "size" and str(limit) in refusal.text
    assert get_settings().phone in refusal.text


@pytest.mark.parametrize(
    "body, status",
    [
        (b"", 400),
        (b"   ", 400),
        (b"null", 400),
        (b"[]", 400),
        (b'"hello"', 400),
        (b"42", 400),
        (b"{", 400),
        (b"\xff\xfe", 400),
        (b"{}", 400),
        (b'{"sender": 1, "message": "hi"}', 400),
        (b'{"sender": "", "message": "hi"}', 400),
        (b'{"sender": "a", "message": null}', 400),
        (b'{"sender": "a", "message": ["hi"]}', 400),
        (b'{"sender": "a", "message": {"text": "hi"}}', 400),
        (b'{"sender": "a", "message": "hi", "metadata": "x"}', 400),
        (b'{"sender": "a\\u0000", "message": "hi"}', 400),
        (b'{"sender": "a\\ud800", "message": "hi"}', 400),  # a lone surrogate (fuzzing)
        (json.dumps({"sender": "a" * 256, "message": "hi"}).encode(), 400),
        (b"[" * 100_000 + b"]" * 100_000, 413),
        (json.dumps({"sender": "a", "message": "x" * 200_000}).encode(), 413),
    ],
)
def test_malformed_bodies_get_a_clear_4xx(body, status):
    result = parse_body(body)
    assert isinstance(result, BadRequest) and result.status == status and result.error


def test_deep_nesting_within_the_size_limit_is_a_400_not_a_crash():
    body = b"[" * 30_000 + b"]" * 30_000
    assert parse_body(body) == BadRequest(400, "the body is not valid JSON")


def test_a_proper_message_passes():
    body = json.dumps({"sender": "ü-1", "message": "does it hurt? 🙂", "metadata": {"a": 1}})
    assert parse_body(body.encode()) == RestMessage("ü-1", "does it hurt? 🙂", {"a": 1})


def test_lone_surrogates_in_the_text_are_replaced_and_the_rest_is_kept():
    """Found by fuzzing: "\\ud800" in the text made spaCy fail inside Rasa (a 503)."""
    body = b'{"sender": "a", "message": "does it hurt? \\udfff\\ud800"}'
    parsed = parse_body(body)
    assert isinstance(parsed, RestMessage)
    assert parsed.text.startswith("does it hurt? ") and "\ufffd" in parsed.text
    parsed.text.encode("utf-8")  # now encodable everywhere
    assert readable_text("plain ü 🙂") == "plain ü 🙂"
