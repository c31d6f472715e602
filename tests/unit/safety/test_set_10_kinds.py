"""Emergencies and near misses of the kinds the blind development set
tests/safety/dev/blind_2026_12_10.yml showed missing: self-harm hinted at by means at hand
(a gun on the table, the whole bottle here), a place ("parked at the bridge"), fear of what
one will do, affairs left for a child, Spanish goodbyes ("no me busquen"); and near misses
denied by a checklist cross or "jamás", ruled out ("descartó"), answered "nunca" on a form,
dated as "hace banda" or "ya pasaron 8 años", and sayings ("un partido de infarto"). Fixed by
kind, never by sentence: every sentence here is new, written for these tests."""

from __future__ import annotations

from typing import Dict, List, Tuple

import pytest

from tests.unit.safety.conftest import by_kind, clinical_hits

HARM = "self_harm"

EMERGENCIES: Dict[str, List[Tuple[str, str]]] = {
    "self-harm hinted at by the means, a place or a fear": [
        ("there's a pistol in front of me on the desk and I'm so tired of this", HARM),
        ("sat in the garage with my shotgun, the pain has beaten me", HARM),
        ("asking because I've got the full bottle in my hand right now", HARM),
        ("how long before it's fatal if you take too many?", HARM),
        ("parked by the cliffs now, not sure why I'm texting a clinic", HARM),
        ("I'm frightened of what I might do tonight", HARM),
        ("my passwords and the will are in the drawer for my daughter", HARM),
        ("I won't be around for the next one, thanks for everything", HARM),
    ],
    "Spanish goodbyes and means at hand": [
        ("le escribí una carta a mi papá y ya no aguanto", HARM),
        ("tengo mis pastillas aquí conmigo, ya decidí", HARM),
        ("por favor no me busquen, estoy bien así", HARM),
        ("ya me despedí de mi hermana, nadie me va a extrañar", HARM),
    ],
    "a count unknown, weakness getting worse by the hour": [
        ("mi niña se tragó no sé cuántas pastillas de su abuela", "overdose_poisoning"),
        ("my arms are getting weaker by the hour, can't lift a cup", "new_weakness_numbness"),
    ],
}

NEAR_MISSES: Dict[str, List[str]] = {
    "denied by a checklist cross, 'jamás', a form's 'nunca' or a doctor who ruled it out": [
        "Day after: ❌ fever ❌ swelling ✅ a bit sore",
        "Jamás me he desmayado, creo que es un error en mi ficha",
        "Convulsiones: nunca. Alergias: ninguna.",
        "la doctora descartó una infección, es solo un moretón",
    ],
    "dated the Argentine way, or by the years since": [
        "me desmayé en la facultad, hace banda",
        "tuve un infarto, ya pasaron diez años y estoy re bien",
        "when I was a small boy I nearly drowned in a lake",
    ],
    "sayings: a thrilling match, a drought, a couch, tired legs": [
        "la final estuvo de infarto, ¿mañana abren?",
        "the heat is choking the tomatoes, sorry, off topic",
        "passed out on the sofa watching TV, missed your text",
        "legs are dead after the hike, the knee held up great",
        "me da miedo un desmayo con las agujas, ¿es normal?",
    ],
}


@pytest.mark.parametrize("kind, text, category", by_kind(EMERGENCIES))
def test_emergencies_of_set_10s_kinds_are_read(detector, kind, text, category):
    assert category in clinical_hits(detector, text), (kind, text)


@pytest.mark.parametrize("kind, text", by_kind(NEAR_MISSES))
def test_near_misses_of_set_10s_kinds_are_not_reports(detector, kind, text):
    assert not detector.detect(text), (kind, text)


@pytest.mark.parametrize(
    "text, category",
    [
        # a cross denies its own line, not what the patient adds after it
        ("❌ rash, but my lips are swelling up right now and my throat is tight", "anaphylaxis"),
        # someone fainted on the sofa, then did not wake: still an emergency
        ("my dad passed out on the couch and we can't wake him", "fainting_head_injury"),
    ],
)
def test_crosses_and_couches_do_not_hide_an_emergency(detector, text, category):
    assert category in clinical_hits(detector, text), text
