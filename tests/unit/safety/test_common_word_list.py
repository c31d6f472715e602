"""The common-word list is drawn from spacy-lookups-data once and then read from a file:
same words either way, and a folder that cannot be written only costs time."""

from __future__ import annotations

from pathlib import Path
from typing import FrozenSet

import pytest

from bot.safety import lexicon


@pytest.fixture(scope="module")
def drawn() -> FrozenSet[str]:
    return lexicon.EXTRA_COMMON_WORDS | lexicon._words_from_lookups()


def _fresh(folder: Path):
    return lexicon.common_words.__wrapped__(folder)  # the function without its process cache


def test_the_saved_list_gives_the_same_words_as_the_lookup_tables(
    drawn, tmp_path: Path, monkeypatch
):
    first = _fresh(tmp_path)
    assert first == drawn
    saved = list(tmp_path.glob("common-words-*.txt"))
    assert len(saved) == 1 and not list(tmp_path.glob(".common-words-*"))
    assert saved[0].stat().st_mode & 0o044 == 0o044  # readable by the servers' users

    def no_tables():
        raise AssertionError("the lookup tables were parsed again")

    monkeypatch.setattr(lexicon, "_words_from_lookups", no_tables)
    assert _fresh(tmp_path) == drawn  # read back from the file
    assert {"fewer", "heartache", "tinge", "sceptic"} <= drawn
    assert "becasue" not in drawn


def test_the_file_name_changes_with_the_thresholds(tmp_path: Path, monkeypatch):
    before = lexicon._word_list_file(tmp_path)
    monkeypatch.setattr(lexicon, "COMMON_WORD_LOG_PROB", -13.5)
    assert lexicon._word_list_file(tmp_path) != before


def test_a_folder_that_cannot_be_written_still_gives_the_words(drawn, tmp_path: Path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    assert _fresh(blocked / "safety") == drawn
