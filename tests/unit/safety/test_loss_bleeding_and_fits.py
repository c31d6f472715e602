"""Round of 2026-12-05 (issue 9), from the weakest categories' blind development set: a limb
that "stopped working", a question about something of theirs that keeps bleeding, a time
like "right now" at the edge of a clause, bleeding told with "it won't stop" further on,
legs that gave way onto the floor, urine that will not come after a back injection, a fit
"at" a place, belongings no longer needed "where I'm going", and Spanish and Spanglish
weakness and head-knock phrasings.

Sentences here are new ones written for these rules, not copies of any development set."""

from __future__ import annotations

import pytest

from bot.safety.red_flags import RedFlagDetector
from tests.unit.safety.conftest import clinical_hits


@pytest.mark.parametrize(
    "text, category",
    [
        # a body part that stopped doing its job is a loss, not a sign that went away
        (
            "my left arm stopped working after the shoulder shots, can't lift a cup",
            "new_weakness_numbness",
        ),
        (
            "since the knee injection my foot just stops moving when I try to walk",
            "new_weakness_numbness",
        ),
        # a question about something of theirs that is still going
        (
            "is it normal that the spot on my wrist keeps bleeding through the plaster?",
            "heavy_bleeding",
        ),
        # "right now" counts though "now" ends the clause
        ("I'm bleeding really heavily right now, could it be the injections?", "heavy_bleeding"),
        # bleeding named, "it won't stop" later in the sentence; a cut that won't stop
        (
            "my nose started bleeding at lunch and then again in the car and it still won't stop",
            "heavy_bleeding",
        ),
        ("my son cut his foot on glass and it won't stop", "heavy_bleeding"),
        ("there's blood all over the bathroom floor from his leg", "heavy_bleeding"),
        (
            "it's soaked through her skirt onto the sofa, she's bleeding from the injection site",
            "heavy_bleeding",
        ),
        ("the blood no para, estoy en warfarina", "heavy_bleeding"),
        # legs that gave way onto the floor
        ("my knees gave way in the hall and I'm on the ground", "new_weakness_numbness"),
        # urine that will not come after a back injection
        (
            "haven't been able to wee since the back injections this morning",
            "new_weakness_numbness",
        ),
        # a fit at a place is a seizure
        (
            "my aunt had a fit in the supermarket after her shots and she's not waking up",
            "fainting_head_injury",
        ),
        ("he had a fit at the train station and is still confused", "fainting_head_injury"),
        # belongings no longer needed "where I'm going"
        ("gave away my books today, I won't need anything where I'm heading", "self_harm"),
        # Spanish and Spanglish
        (
            "se le doblaron las rodillas y se cayó al suelo, ayer le pusieron las inyecciones",
            "new_weakness_numbness",
        ),
        ("tengo el brazo dormido desde ayer y no lo puedo levantar", "new_weakness_numbness"),
        ("mi mano está numb y weak desde la sesión", "new_weakness_numbness"),
        (
            "tras golpearme en la cabeza estoy mareado y con ganas de vomitar",
            "fainting_head_injury",
        ),
    ],
)
def test_reported_emergency_is_found(detector: RedFlagDetector, text: str, category: str) -> None:
    assert category in clinical_hits(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        # the sign itself stopped
        "it stopped bleeding once I pressed on it for ten minutes",
        "the numbness stopped after an hour and my leg works fine",
        # a general question with no report
        "what should I do if the injection site won't stop bleeding?",
        # no injection named: not a complication of ours
        "I can't pee when people are around, is that normal?",
        # a fit of anger, at a person or a price
        "my boss will have a fit at me if I'm late again",
        "dad had a fit at the nurse about the parking",
        "mum had a fit at the price of the sessions",
        # a trip
        "I won't need any of my winter clothes where I'm going on holiday",
        # past and well
        "my knees gave way on the stairs years ago, all fine since",
    ],
)
def test_ordinary_message_is_not_flagged(detector: RedFlagDetector, text: str) -> None:
    assert not detector.detect(text), text


@pytest.mark.parametrize(
    "text",
    [
        # denied thoughts or plans, like "I'm not suicidal"
        "no thoughts of harming myself, I'm just worn out by this hip",
        "I've got zero plans to hurt myself, the GP asked the same thing",
        "I don't have any urges to kill myself, I'm just grumpy from the pain",
        "no tengo intención de lastimarme, solo quiero que me ayuden con la rodilla",
    ],
)
def test_denied_thoughts_of_self_harm_are_not_a_crisis(detector: RedFlagDetector, text: str):
    assert "self_harm" not in clinical_hits(detector, text), text


@pytest.mark.parametrize(
    "text",
    [
        # a denial next to another sign still counts
        "no plans to hurt myself but I've been stockpiling my pills just in case",
        # thoughts that are there
        "I keep having thoughts of hurting myself at night",
        "tengo pensamientos de hacerme daño todas las noches",
    ],
)
def test_self_harm_is_still_a_crisis_beside_or_without_a_denial(
    detector: RedFlagDetector, text: str
):
    assert "self_harm" in clinical_hits(detector, text), text
