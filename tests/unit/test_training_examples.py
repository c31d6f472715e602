"""Example questions staff type: split, de-duplicated, checked, written back."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.faq import load_topic
from bot.content.response_writer import WriteError
from bot.content.topic_writer import render_examples, write_new_topic
from bot.content.training_examples import (
    check_examples,
    normalized,
    split_lines,
    training_index,
    unique,
)
from bot.settings import PROJECT_ROOT

HURT = PROJECT_ROOT / "data" / "faq" / "does_it_hurt.yml"


def test_lines_pasted_from_yaml_or_typed_are_the_same_examples():
    assert split_lines("- does it hurt\r\n\n  will it sting?  \n- ") == [
        "does it hurt",
        "will it sting?",
    ]
    assert normalized("  Does   it HURT?! ") == "does it hurt"
    assert unique(["Does it hurt", "does it hurt?", "will it sting"]) == [
        "Does it hurt",
        "will it sting",
    ]


def test_the_index_knows_every_intent_of_the_training_data():
    index = training_index(PROJECT_ROOT)
    assert "faq/side_effects" in index[normalized("are there side effects of PIT")]
    assert "greet" in {label for labels in index.values() for label in labels}


def test_old_lines_are_not_checked_again_but_new_ones_are():
    index = {"are there side effects": {"faq/side_effects"}}
    examples = [f"question {n}" for n in range(10)] + ["are there side effects"]
    assert check_examples(examples, "faq/x", index, set(), {}, existing=set(examples)) == []
    found = check_examples(examples, "faq/x", index, set(), {"faq/side_effects": "Side effects"})
    assert [p.message for p in found] == [
        "This is already an example of another topic (Side effects)."
    ]


def test_writing_the_same_examples_gives_the_same_bytes_and_new_ones_only_touch_examples():
    original = HURT.read_text(encoding="utf-8")
    examples = list(load_topic(HURT).examples)
    assert render_examples(original, examples) == original
    changed = render_examples(original, examples[:12] + ["a brand new way to ask"])
    assert changed.split("responses:")[1] == original.split("responses:")[1]
    assert "    - a brand new way to ask\n" in changed


def test_a_new_topic_file_reads_back_and_is_never_overwritten(tmp_path: Path):
    parts = {
        "title": "No: really?",
        "examples": [f"question number {n}" for n in range(10)],
        "text": "Short answer.\n\nSecond part.",
        "buttons": [{"title": "No", "payload": "/book_consultation"}],
        "sources": ["clinic.yml"],
        "last_reviewed": "2026-12-01",
    }
    path = write_new_topic(tmp_path, "really", **parts)
    topic = load_topic(path)
    assert topic.title == "No: really?" and topic.buttons[0].title == "No"
    assert topic.answers == ("Short answer.\n\nSecond part.",)
    with pytest.raises(WriteError):
        write_new_topic(tmp_path, "really", **parts)
