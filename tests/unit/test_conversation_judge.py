"""The multi-turn evaluation's judge (bot/evaluation/conversations.py) on hand-made replies."""

from __future__ import annotations

from typing import Any, Dict

from bot.evaluation.conversations import Reply, judge

CONDITION_REPLY = (
    "The clinic's information lists arthritis pain among the conditions PIT is used for."
)


def reply(slots: Dict[str, Any]) -> Reply:
    return Reply(["utter_condition_listed"], CONDITION_REPLY, None, slots)


def test_a_condition_with_its_body_part_counts_when_both_are_remembered() -> None:
    expect = {"kind": "condition", "value": "knee arthritis"}
    assert judge(expect, reply({"condition": "arthritis", "body_part": "knee"}))


def test_the_wrong_body_part_or_none_does_not_count() -> None:
    expect = {"kind": "condition", "value": "knee arthritis"}
    assert not judge(expect, reply({"condition": "arthritis", "body_part": "wrist"}))
    assert not judge(expect, reply({"condition": "arthritis", "body_part": None}))
    assert not judge(expect, reply({"condition": None, "body_part": "knee"}))
