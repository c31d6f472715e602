"""ConText STORY frames: a red-flag word that names what a show, book, lesson or piece of
news is about is no report, while a report next to such a frame still is one."""

from __future__ import annotations

import pytest

from bot.safety.catalog import REQUIRED_CUES, RedFlagCatalogError, parse_catalog
from bot.safety.context_rules import _token_patterns
from tests.unit.safety.conftest import clinical_hits


@pytest.mark.parametrize(
    "text",
    [
        "my book club picked a novel where the hero overdoses on heroin, grim but good",
        "the documentary on overdoses last night was really well made",
        "our webinar about sepsis ran long, sorry I missed the call",
        "my son's lesson on poisoning was about cleaning products under the sink",
        "the movie had a woman choking on a grape and everyone froze",
        "vi una película donde un hombre tiene un infarto, ¿atienden los sábados?",
        # a hypothetical frame, read by the same ConText rules
        "in the unlikely event I collapse during the treatment, are your staff trained for that?",
    ],
)
def test_what_a_story_or_lesson_is_about_is_not_a_report(detector, text):
    assert not detector.detect(text), text


@pytest.mark.parametrize(
    "text, category",
    [
        # self-harm is never dismissed by a frame: "that's me" may follow
        ("a podcast about suicide and honestly that's me lately", "self_harm"),
        # the frame ends at the patient ("my", "I") or at "just" and "now"
        ("watching a film about strokes and my face is drooping and my speech is slurred",
         "stroke"),
        ("a documentary about allergies, and my lips and tongue are swelling up", "anaphylaxis"),
        ("a game where I got knocked out cold and I keep throwing up", "fainting_head_injury"),
        ("watching a show where my dad just collapsed on the couch", "fainting_head_injury"),
        # a frame reaches 6 tokens: a report further on is still read
        ("reading a book about dieting and feeling fine until the crushing chest pain started",
         "chest_cardiac"),
        # "episode" is no story word: "I had an episode where I couldn't breathe"
        ("just had an episode where I can't breathe properly", "breathing"),
    ],
)  # fmt: skip
def test_a_report_beside_a_story_frame_is_still_an_emergency(detector, text, category):
    assert category in clinical_hits(detector, text), text


def test_a_word_choice_in_a_context_trigger_matches_any_of_its_words():
    [pattern] = _token_patterns("{show|series where}")
    assert pattern == [{"LOWER": {"IN": ["show", "series"]}}, {"LOWER": "where"}]


def _catalog_with_context(context):
    return {
        "severities": {"emergency": {"rank": 1, "response": "utter_x"}},
        "cues": {name: ["x"] for name in REQUIRED_CUES},
        "clinical_categories": {"breathing": "Breathing"},
        "categories": [
            {"key": "a", "category": "breathing", "severity": "emergency", "patterns": ["x"]}
        ],
        "context": context,
    }


def test_a_context_category_keeps_its_reach_and_what_ends_it():
    catalog = parse_catalog(
        _catalog_with_context(
            {
                "STORY": {"forward": ["film about"], "max_scope": 6, "ended_by": ["story_end"]},
                "STORY_END": {"forward": ["i"], "max_scope": 1},
            }
        )
    )
    assert catalog.context["STORY"] == {"forward": ("film about",)}
    assert catalog.context_limits["STORY"].max_scope == 6
    assert catalog.context_limits["STORY"].ended_by == ("STORY_END",)


@pytest.mark.parametrize("scope", [0, -2, "six", True])
def test_a_context_reach_must_be_a_positive_number_of_tokens(scope):
    with pytest.raises(RedFlagCatalogError, match="max_scope"):
        parse_catalog(_catalog_with_context({"STORY": {"forward": ["x"], "max_scope": scope}}))


def test_a_context_category_can_only_be_ended_by_another_context_category():
    with pytest.raises(RedFlagCatalogError, match="not a context category"):
        parse_catalog(_catalog_with_context({"STORY": {"forward": ["x"], "ended_by": ["NOPE"]}}))
