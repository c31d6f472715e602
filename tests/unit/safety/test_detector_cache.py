"""Compiled red-flag detectors are kept per spaCy pipeline, and old pipelines are let go.

A model swapped in after a catalog change brings a new pipeline; before, every pipeline
ever used stayed in memory with its detector (about 16 MiB of compiled catalog each)."""

from __future__ import annotations

import gc
import weakref

import spacy

from bot.safety import red_flags


class _Recorded:
    """Stands in for the compiled detector (building a real one takes seconds): the cache
    policy is what is tested here; tests/unit/safety/ test real detectors."""

    def __init__(self, nlp):
        self.nlp = nlp


def test_the_two_most_recent_pipelines_keep_their_detector_and_older_ones_are_released(
    monkeypatch,
):
    monkeypatch.setattr(red_flags, "RedFlagDetector", _Recorded)
    monkeypatch.setattr(red_flags, "_DETECTORS", type(red_flags._DETECTORS)())
    first, second, third = (spacy.blank("en") for _ in range(3))
    one = red_flags.detector_for(first)
    assert red_flags.detector_for(first) is one  # built once per pipeline
    two = red_flags.detector_for(second)
    assert red_flags.detector_for(first) is one  # first used again: now the most recent
    three = red_flags.detector_for(third)
    assert len(red_flags._DETECTORS) == red_flags.KEEP_DETECTORS
    assert red_flags.detector_for(first) is one and red_flags.detector_for(third) is three
    assert red_flags.detector_for(second) is not two  # dropped, so built again

    temporary = spacy.blank("en")
    gone = weakref.ref(temporary)
    red_flags.detector_for(temporary)  # a pipeline nobody else holds afterwards ...
    del temporary
    red_flags.detector_for(first)
    red_flags.detector_for(third)  # ... is pushed out by two newer ones, and freed
    gc.collect()
    assert gone() is None
