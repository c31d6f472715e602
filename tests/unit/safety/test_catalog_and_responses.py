"""The red-flag catalog file and the replies: valid, complete, plain language."""

from __future__ import annotations

import re

import pytest
import textstat
import yaml

from bot.safety.catalog import (
    RED_FLAGS_PATH,
    RedFlagCatalogError,
    load_red_flag_catalog,
    parse_catalog,
)
from bot.settings import PROJECT_ROOT, get_settings

RESPONSES_FILE = PROJECT_ROOT / "data" / "nlu" / "red_flags.yml"
MAX_GRADE = 8.0


@pytest.fixture(scope="module")
def raw_catalog():
    return yaml.safe_load(RED_FLAGS_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def responses():
    return yaml.safe_load(RESPONSES_FILE.read_text(encoding="utf-8"))["responses"]


def test_catalog_has_every_category_the_clinic_asked_for():
    catalog = load_red_flag_catalog()
    assert {c.key for c in catalog.categories} >= {
        "self_harm",
        "chest_pain",
        "breathing",
        "allergic_reaction",
        "collapse",
        "stroke_signs",
        "fever_chills",
        "wound_infection",
        "spreading_redness",
        "severe_pain_swelling",
        "bleeding",
        "numbness_weakness",
    }
    # a crisis is never dismissed by the broad rules ("not sure, but I want to end my life"):
    # only a denied state ("I'm not suicidal") or a history told as over
    assert catalog.category("self_harm").dismissed_by == frozenset(
        {"negated_state", "recovered_history"}
    )
    assert "question" not in catalog.category("chest_pain").dismissed_by
    assert "question" not in catalog.category("breathing").dismissed_by


def test_a_pattern_cut_short_by_a_yaml_comment_is_refused(tmp_path):
    text = RED_FLAGS_PATH.read_text(encoding="utf-8")
    assert load_red_flag_catalog(RED_FLAGS_PATH)  # the shipped file has none
    broken = text.replace(
        '      - "took|taken ...2 #num|extra|another ...3 by_mistake|by_accident|instead_of"',
        "      - took|taken ...2 #num|extra|another ...3 by_mistake|by_accident|instead_of",
    )
    assert broken != text
    path = tmp_path / "red_flags.yml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(RedFlagCatalogError, match="comment"):
        load_red_flag_catalog(path)


def test_taking_a_medicine_is_not_an_overdose():
    from bot.safety.red_flags import detect_red_flags

    for text in ["i take warfarin", "I take blood thinners, is that ok?", "I take my tablets"]:
        assert detect_red_flags(text) == [], text
    assert detect_red_flags("I took 2 extra by mistake and now I'm very drowsy")


def test_bare_yaml_no_is_refused(raw_catalog):
    broken = dict(raw_catalog, cues=dict(raw_catalog["cues"], negation=[False, "not"]))
    with pytest.raises(RedFlagCatalogError, match="quotes"):
        parse_catalog(broken)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda c: c["categories"][0].update(severity="mild"), "severity"),
        (lambda c: c["categories"][0].update(dismissed_by=["sometimes"]), "dismissed_by"),
        (lambda c: c["categories"][0].update(patterns=[]), "pattern"),
        (lambda c: c["categories"].append(dict(c["categories"][0])), "unique"),
        (lambda c: c["cues"].pop("negation"), "negation"),
    ],
)
def test_mistakes_in_the_catalog_fail_loudly(raw_catalog, change, message):
    broken = yaml.safe_load(yaml.safe_dump(raw_catalog))
    change(broken)
    with pytest.raises(RedFlagCatalogError, match=message):
        parse_catalog(broken)


def test_every_severity_has_its_reply(responses):
    catalog = load_red_flag_catalog()
    for severity in catalog.severities.values():
        assert severity.response in responses
        if severity.someone_else_response:
            assert severity.someone_else_response in responses
    assert "utter_red_flag_unsure" in responses


def filled(template: str) -> str:
    slots = get_settings().as_slots()
    return re.sub(r"\{(\w+)\}", lambda m: slots.get(m.group(1), m.group(0)), template)


def test_replies_put_the_right_number_first(responses):
    emergency = responses["utter_red_flag_emergency"][0]["text"]
    assert emergency.index("{clinic_emergency_number}") < emergency.index("{clinic_phone}")
    urgent = responses["utter_red_flag_urgent"][0]["text"]
    assert urgent.index("{clinic_phone}") < urgent.index("{clinic_emergency_number}")
    crisis = responses["utter_red_flag_crisis"][0]["text"]
    assert crisis.index("{clinic_crisis_line}") < crisis.index("{clinic_phone}")
    assert "{clinic_emergency_number}" in crisis
    # for someone else at risk: the emergency number first, then help for the one with them
    other = responses["utter_red_flag_crisis_other"][0]["text"]
    assert (
        other.index("{clinic_emergency_number}")
        < other.index("{clinic_crisis_line}")
        < other.index("{clinic_phone}")
    )
    for name, variants in responses.items():
        for variant in variants:
            assert "{" not in filled(variant["text"]), f"{name} has an unknown placeholder"
            assert not re.search(r"\d{3}", variant["text"]), f"{name} hard-codes a number"


def test_replies_are_plain_language(responses):
    for name, variants in responses.items():
        for variant in variants:
            text = filled(variant["text"])
            grade = textstat.flesch_kincaid_grade(text)
            assert grade <= MAX_GRADE, (name, grade)
            assert len(text.split()) <= 70, name


@pytest.mark.parametrize(
    "text",
    [
        "my son swallowed a load of my sleeping tablets, he is very drowsy",
        "took 6 co-codamol and now i keep throwing up",
        "she mixed her oxycodone with a bottle of wine",
        "I think I overdid the tramadol today",
        "I've been stockpiling my pills for weeks",
        "they would all be happier if I was gone",
        "I keep cutting my wrists when it gets bad",
        "I can't go on like this anymore",
    ],
)
def test_overdose_and_self_harm_in_other_words(text: str):
    from bot.safety.red_flags import detect_red_flags

    assert detect_red_flags(text), text


@pytest.mark.parametrize(
    "text",
    [
        "I took 2 paracetamol this morning, is that ok before the session?",
        "can I keep taking my tramadol during the treatment?",
        "how many sessions would it take for my knee?",
        "is it safe to have a glass of wine after the injection?",
        "will the pain be gone for good after the sessions?",
        "I want the pain to disappear for good",
    ],
)
def test_ordinary_medicine_questions_are_not_red_flags(text: str):
    from bot.safety.red_flags import detect_red_flags

    assert detect_red_flags(text) == [], text
