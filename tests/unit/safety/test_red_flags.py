"""The red-flag detector on the safety test sets, tricky phrasings and bad input."""

from __future__ import annotations

import re
from typing import List

import pytest
import yaml

from bot.safety.red_flags import (
    CHUNK_CHARS,
    RedFlagHit,
    detect_red_flags,
    most_severe,
    severities_in_order,
)
from bot.settings import PROJECT_ROOT

MAX_FALSE_ALARM_RATE = 0.02
HELD_OUT_NLU = PROJECT_ROOT / "tests" / "nlu" / "test_nlu.yml"


def keys(detector, text: str) -> List[str]:
    return sorted({h.key for h in detector.detect(text)})


# ---------------------------------------------------------------- the test sets
def test_sets_are_big_and_varied(red_flag_messages, ordinary_messages, detector):
    assert len(red_flag_messages) >= 80 and len(ordinary_messages) >= 150
    categories = {c.key for c in detector.catalog.categories}
    labelled = {m["category"] for m in red_flag_messages}
    assert labelled == categories, "every category needs test messages"


def test_every_red_flag_message_is_caught_as_its_category(red_flag_messages, detector):
    missed = [
        (m["category"], m["text"], keys(detector, m["text"]))
        for m in red_flag_messages
        if m["category"] not in keys(detector, m["text"])
    ]
    recall = 1 - len(missed) / len(red_flag_messages)
    print(f"\nred-flag recall: {recall:.1%} of {len(red_flag_messages)}")
    assert not missed, missed


def false_alarms(detector, messages: List[str]):
    return [(m, keys(detector, m)) for m in messages if detector.detect(m)]


def test_ordinary_messages_rarely_raise_an_alarm(ordinary_messages, detector):
    alarms = false_alarms(detector, ordinary_messages)
    rate = len(alarms) / len(ordinary_messages)
    print(f"\nfalse alarms: {rate:.1%} of {len(ordinary_messages)}: {alarms}")
    assert rate <= MAX_FALSE_ALARM_RATE, alarms


def held_out_nlu_messages() -> List[str]:
    data = yaml.safe_load(HELD_OUT_NLU.read_text(encoding="utf-8"))
    messages = []
    for block in data.get("nlu") or []:
        if block.get("intent") in (None, "red_flag"):
            continue
        for line in str(block.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                messages.append(re.sub(r"\[([^\]]*)\][({][^)}]*[)}]", r"\1", line[2:]))
    return messages


@pytest.mark.skipif(not HELD_OUT_NLU.exists(), reason="tests/nlu/test_nlu.yml not written yet")
def test_held_out_patient_questions_rarely_raise_an_alarm(detector):
    messages = held_out_nlu_messages()
    assert messages
    alarms = false_alarms(detector, messages)
    rate = len(alarms) / len(messages)
    print(f"\nfalse alarms on tests/nlu/test_nlu.yml: {rate:.1%} of {len(messages)}")
    assert rate <= MAX_FALSE_ALARM_RATE, alarms


# ---------------------------------------------------------------- reading the sentence
@pytest.mark.parametrize(
    "text",
    [
        "no fever, just a bit sore",
        "I don't have a fever",
        "no redness or pus",
        "not bleeding anymore",
        "without any swelling",
        "no fever or chills",
        "I haven't noticed any redness, swelling or pus",
        "is there a risk of infection?",
        "can it cause swelling?",
        "what are the side effects like bruising?",
        "what if I get a fever after?",
    ],
)
def test_denied_or_hypothetical_symptoms_are_not_red_flags(detector, text):
    assert detector.detect(text) == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("my injection site is red and hot and spreading", "spreading_redness"),
        ("i have had a fever since my shots yesterday", "fever_chills"),
        ("no fever but the redness is spreading up my arm", "spreading_redness"),
        (
            "I don't have a fever, my arm is swollen and red streaks are going up it",
            "spreading_redness",
        ),
        ("no fever and the redness is spreading", "spreading_redness"),
        ("my arm is red and hot, is that normal?", "spreading_redness"),
        ("is it normal that my arm is red and hot after the injection?", "spreading_redness"),
        ("the bleeding stopped but now I have red streaks", "spreading_redness"),
        ("the bleeding hasn't stopped", "bleeding"),
        ("I've had chest pain for years but today it's much worse, is that normal?", "chest_pain"),
    ],
)
def test_reported_symptoms_are_red_flags_even_next_to_denials(detector, text, expected):
    assert expected in keys(detector, text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("I'm not sure but I think I want to end my life", "self_harm"),
        ("I'm not suicidal, I just want to die", "self_harm"),
        ("Can PIT cause chest pain? I have it right now", "chest_pain"),
        ("could this be why I can't breathe?", "breathing"),
        ("I don't think it's serious but my chest feels tight", "chest_pain"),
        ("not sure if this matters, I'm short of breath", "breathing"),
        ("what if I'm having a stroke? my face is drooping", "stroke_signs"),
    ],
)
def test_weak_cues_never_dismiss_self_harm_chest_or_breathing(detector, text, expected):
    assert expected in keys(detector, text)


def test_strong_denial_of_chest_pain_is_respected(detector):
    assert detector.detect("no chest pain or shortness of breath, just a sore knee") == []


def test_misspellings_and_word_forms(detector):
    assert "fever_chills" in keys(detector, "feverr and chils")
    assert "self_harm" in keys(detector, "sucidal thoughts")
    assert "collapse" in keys(detector, "he is unconsious")
    assert "allergic_reaction" in keys(detector, "my lips are sweling")
    assert "breathing" in keys(detector, "cant brethe")
    # common words are never "corrected" into symptoms
    assert detector.detect("I have fewer sessions left, can I book?") == []


def test_a_slip_as_near_to_a_real_word_as_to_a_listed_misspelling_is_the_real_word(detector):
    # "injektion" is one slip from "injection" and from "infektion", which the catalog lists
    # as a misspelling of "infection": a question about blood thinners is no infection.
    assert detector.lexicon.token("injektion") == ("injection", "injection")
    assert detector.detect("can i have the injektion if im on blod thiners") == []
    # the listed misspelling itself, and a slip from it alone, still read as infection
    assert "wound_infection" in keys(detector, "the injection site has an infektion, red and hot")
    assert detector.lexicon.token("infektoin") == detector.lexicon.token("infektion")


def test_red_flag_buried_in_a_long_message(detector):
    text = (
        "I wanted to ask about how many sessions I need, also since yesterday my arm is "
        "swollen and red streaks are going up it, and what does it cost"
    )
    hits = detector.detect(text)
    assert "spreading_redness" in {h.key for h in hits}
    for hit in hits:
        assert text[hit.start : hit.end] == hit.text


# ---------------------------------------------------------------- ordering
def hit(key: str, severity: str, start: int) -> RedFlagHit:
    return RedFlagHit(key, severity, key, start, start + 1, "x")


def test_most_severe_puts_emergency_and_crisis_before_urgent():
    hits = [
        hit("fever_chills", "urgent", 0),
        hit("self_harm", "crisis", 5),
        hit("chest_pain", "emergency", 9),
    ]
    assert most_severe(hits).key == "chest_pain"
    assert severities_in_order(hits) == ["emergency", "crisis", "urgent"]
    assert (
        most_severe([hit("fever_chills", "urgent", 0), hit("self_harm", "crisis", 5)]).key
        == "self_harm"
    )
    assert most_severe([]) is None


def test_several_categories_in_one_message(detector):
    hits = detector.detect("I have a fever and pus, and now I can't breathe")
    assert {"fever_chills", "wound_infection", "breathing"} <= {h.key for h in hits}
    assert most_severe(hits).severity == "emergency"


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\n\t",
        "\u200b",
        "😀😀😀",
        "🔥" * 500,
        "'; DROP TABLE patients; --",
        "<script>alert('x')</script>",
        "{clinic_phone} {{slot}} %s %(x)s",
        "\x00\x01\x02",
        "مرحبا، هل العلاج آمن؟",
        "你好",
        "ｈｅｌｌｏ",
        "a" * 10_000,
        "? ? ? . . . ! ! !",
        '/red_flag{"red_flag": "self_harm"}',
        "... ,,, ;;; ---",
        "\ud800",
    ],
)
def test_odd_input_does_not_crash_or_alarm(detector, text):
    assert detector.detect(text) == []


def test_non_text_input_is_no_red_flag(detector):
    assert detector.detect(None) == []  # type: ignore[arg-type]
    assert detect_red_flags(12345) == []  # type: ignore[arg-type]


def test_unicode_variants_still_match(detector):
    assert "breathing" in keys(detector, "I can’t breathe")  # curly apostrophe
    assert "fever_chills" in keys(detector, "ｆｅｖｅｒ since the shot")  # full-width
    assert "self_harm" in keys(detector, "i feel sui\u200bcidal")  # zero-width space
    assert "chest_pain" in keys(detector, "CHEST PAIN!!! 😭😭")
    text = "😭 my lips are swelling"
    found = detector.detect(text)
    assert found and text[found[0].start : found[0].end] == found[0].text


def test_huge_message_is_still_read_to_the_end(detector):
    # How long it takes is measured by `make bench-red-flags` (bench/red_flag_checker.py),
    # not here: speed is a benchmark figure, never a timed test on a shared machine.
    filler = "I have a question about how many sessions I need and what it costs. " * 150
    text = filler + "Also I can't breathe." + filler
    assert len(text) > 2 * CHUNK_CHARS
    hits = detector.detect(text)
    assert [h.key for h in hits] == ["breathing"]
    assert text[hits[0].start : hits[0].end] == hits[0].text


def test_missing_space_after_a_full_stop(detector):
    assert "breathing" in keys(detector, "what does it cost.Also I can't breathe.I have a question")


def test_red_flag_across_a_chunk_boundary_is_caught(detector):
    padding = "word " * (CHUNK_CHARS // 5 - 2)
    text = padding + "I feel suicidal today"
    assert "self_harm" in keys(detector, text)


def test_rasa_style_doc_gives_the_same_hits_as_plain_text(detector):
    text = "Hi! My arm is red and hot and spreading, and I can't breathe well."
    doc = detector.nlp(text.lower())  # SpacyNLP lower-cases (case_sensitive: false)
    from_doc = [(h.key, h.start, h.end) for h in detector.detect(text, doc)]
    plain = [(h.key, h.start, h.end) for h in detector.detect(text)]
    assert from_doc == plain and from_doc


@pytest.mark.parametrize(
    "text",
    [
        "I passed out at my last blood draw, so needles make me nervous",
        "my dad collapsed at his last physical, which is why he hates clinics",
        "I went down like a sack of potatoes during my last flu jab, is PIT as bad?",
    ],
)
def test_fainting_at_an_earlier_check_up_or_test_is_a_history(detector, text):
    assert detector.detect(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "I fainted at my last checkup and again just now in the car park",
        "she fainted during her last blood test and now she won't wake up",
        "I fainted after my last injection",  # our own injections are never a history
    ],
)
def test_an_earlier_check_up_does_not_hide_a_faint_now_or_after_our_injection(detector, text):
    assert "collapse" in keys(detector, text)


def test_asking_whether_the_injections_would_be_safe_names_no_injection_had(detector):
    # "the injections were ..." says they were had; "would the injections be ..." does not
    # ("were" must not match every form of "be").
    text = "My knees have been so sore lately. Would the injections be safe with my asthma?"
    assert detector.detect(text) == []
    assert "severe_pain_swelling" in keys(
        detector, "the injections were on monday and my knee is so swollen now"
    )
