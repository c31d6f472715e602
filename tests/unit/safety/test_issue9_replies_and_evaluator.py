"""Issue 9: Spanish and "unsure" replies, the semantic decision rule, the evaluator's judge."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions.safety import POSSIBLE_RESPONSE, SPANISH_RESPONSE, red_flag_responses
from bot.evaluation.independent import ReplyJudge, judge, load_cases
from bot.safety.semantic import (
    ALWAYS_URGENT,
    UNSURE,
    URGENT,
    Exemplars,
    load_exemplars,
    verdict_for,
)
from bot.settings import get_settings

TINY = Path(__file__).parent / "fixtures" / "independent_tiny.yml"


def entity(kind: str, value: str) -> dict:
    return {"entity": kind, "value": value, "start": 0, "end": 1}


def test_spanish_red_flag_gets_only_the_spanish_reply():
    message = {"text": "no puedo respirar", "entities": [entity("red_flag", "breathing_es")]}
    assert red_flag_responses(message) == [SPANISH_RESPONSE]


def test_spanish_reply_is_spanish_and_names_the_emergency_number():
    judge_ = ReplyJudge.from_domain()
    number = get_settings().emergency_number
    spanish = [line for line in judge_.urgent_first_lines if "Llame" in line]
    assert spanish and all(number in line for line in spanish)


def test_unsure_semantic_verdict_starts_with_happening_now():
    message = {"text": "...", "entities": [entity("red_flag_possible", "stroke")]}
    assert red_flag_responses(message) == [POSSIBLE_RESPONSE]
    number = get_settings().emergency_number
    assert (
        f"If this is happening now, call {number}." in ReplyJudge.from_domain().urgent_first_lines
    )


def test_semantic_decision_rule():
    ex = Exemplars(threshold=0.7, unsure_from=0.6, categories={"x": ("a",)}, calm=())
    assert verdict_for("stroke", 0.75, 0.1, ex).verdict == URGENT
    assert verdict_for("stroke", 0.65, 0.1, ex).verdict == UNSURE
    assert verdict_for("stroke", 0.55, 0.1, ex) is None
    assert verdict_for("stroke", 0.75, 0.8, ex) is None  # closer to an ordinary message
    assert {"anaphylaxis", "breathing", "self_harm"} <= ALWAYS_URGENT


def test_exemplars_cover_the_ten_categories():
    from bot.safety.catalog import get_red_flag_catalog

    assert set(load_exemplars().categories) == set(get_red_flag_catalog().clinical_categories)


def test_reply_judge_reads_the_first_message_the_patient_sees():
    judge_ = ReplyJudge.from_domain()
    notice = "Hi! I'm the automated assistant of the clinic."
    urgent_line = next(iter(judge_.urgent_first_lines))
    assert judge_.is_urgent([{"text": urgent_line + "\n\nmore"}, {"text": notice}])
    assert judge_.is_urgent([{"image": "x.png"}, {"text": urgent_line}])  # text is what is read
    # The notice before the urgent reply is a miss: the patient reads it first.
    assert not judge_.is_urgent([{"text": notice}, {"text": urgent_line}])
    assert not judge_.is_urgent([{"text": "PIT is ..."}, {"text": urgent_line}])
    assert not judge_.is_urgent([])


def test_judge_counts_per_category_kind_and_language(detector):
    emergencies, near_misses = load_cases(TINY)
    report = judge(emergencies, near_misses, lambda text: bool(detector.detect(text)), workers=1)
    assert report.recall == 1.0 and report.spanish_recall == 1.0
    assert report.false_alarm_rate == 0.0
    assert report.emergencies["breathing"] == (1, 1)
    assert report.near_misses == {"ordinary": (0, 1), "past": (0, 1)}
    assert report.failures() == []


def test_judge_reports_gate_failures():
    emergencies, near_misses = load_cases(TINY)
    report = judge(emergencies, near_misses, lambda text: True, workers=1)
    problems = report.failures()
    assert any("false alarms" in p for p in problems) and report.recall == 1.0


def test_a_wrong_set_shape_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("emergencies:\n  - {category: breathing}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="needs a text"):
        load_cases(bad)
