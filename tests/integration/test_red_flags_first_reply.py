"""Issue 9 end to end: urgent guidance is the FIRST reply, in English and Spanish."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.evaluation.independent import ReplyJudge, judge, load_cases, rest_urgent
from bot.settings import get_settings
from tests.support.rest import RestChat
from tests.support.socket_chat import socket_chat

pytestmark = pytest.mark.integration

TINY = Path(__file__).parents[1] / "unit" / "safety" / "fixtures" / "independent_tiny.yml"


def test_evaluator_judges_the_first_reply_over_rest(stack):
    emergencies, near_misses = load_cases(TINY)
    report = judge(emergencies, near_misses, rest_urgent(stack.rest_url), workers=1)
    assert report.recall == 1.0 and report.spanish_recall == 1.0
    assert report.false_alarm_rate == 0.0


def test_an_emergency_as_the_first_message_is_answered_before_the_session_notice(
    chat: RestChat,
):
    texts = [m.get("text", "") for m in chat.send("my lips are swelling and I can't breathe")]
    emergency_number = get_settings().emergency_number
    assert emergency_number in texts[0], texts  # the first thing the patient reads
    notice = [i for i, text in enumerate(texts) if "automated assistant" in text]
    assert notice and notice[0] > 0, texts  # the notice still comes, in the same turn


async def test_the_website_chat_shows_the_urgent_reply_before_the_notice(stack):
    received = await socket_chat(stack, ["my dad collapsed and he is not breathing"])
    texts = [r.get("text", "") for r in received]
    assert texts and get_settings().emergency_number in texts[0], texts
    assert any("automated assistant" in text for text in texts[1:]), texts


def test_spanish_emergency_gets_the_spanish_reply_first(chat: RestChat):
    judge_ = ReplyJudge.from_domain()
    first = judge_.first_reply(chat.send("mi madre no puede respirar"))
    assert first.startswith("Esto puede ser una emergencia")
    assert get_settings().emergency_number in first.splitlines()[0]


def test_someone_else_now_is_urgent_but_long_ago_is_not(stack):
    urgent = rest_urgent(stack.rest_url)
    assert urgent("my mother fainted")
    assert not urgent("my dad had a stroke in 2015, can he still have PIT?")
