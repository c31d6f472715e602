"""Which messages ask the clinic to call the patient (bot/conversation/call_back_words.py)."""

from __future__ import annotations

import pytest

from bot.conversation.call_back_words import asks_for_call_back


@pytest.mark.parametrize(
    "text",
    [
        "can someone call me back?",
        "could the doctor phone me this week",
        "pls ring me",
        "i'd like a callback",
        "Can I get a call-back tomorrow morning?",
        "give me a ring after 5",
        "have a nurse contact me",
        "can you call my husband, he booked it",
    ],
)
def test_asking_to_be_called(text: str):
    assert asks_for_call_back(text)


@pytest.mark.parametrize(
    "text",
    [
        "can I call you?",
        "what number do I call",
        "who should I ring about my booking",
        "I want to speak to a human",
        "I called twice and nobody picked up",
        "is there a phone number",
        "call the clinic",  # an instruction about the clinic, not a request to be called
        "",
    ],
)
def test_not_asking_to_be_called(text: str):
    assert not asks_for_call_back(text)
