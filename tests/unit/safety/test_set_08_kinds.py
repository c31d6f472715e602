"""Emergencies and near misses of the kinds the blind development sets
tests/safety/dev/blind_2026_12_08.yml and blind_2026_12_08b.yml showed missing: signs told
in few words or spelt by sound, Spanish of Chile, Peru, Colombia and Central America,
poisoning of small children, plans told in other words; stories, lessons, drills and
homework; pregnancy, childhood and "but that was 2014" as a time now over. Fixed by kind,
never by sentence: every sentence here is new, written for these tests."""

from __future__ import annotations

from typing import Dict, List, Tuple

import pytest

from tests.unit.safety.conftest import by_kind, clinical_hits

FAINT, POISON, WEAK = "fainting_head_injury", "overdose_poisoning", "new_weakness_numbness"

NEAR_MISSES: Dict[str, List[str]] = {
    "a role in a story, a game or a scene": [
        "in this audiobook the villain poisons his boss, so good. Running late today",
        "the book's hero gets poisoned in chapter two. Anyway is Tuesday still ok?",
        "the play has scenes where a nurse is bleeding and fainting, I'm the stage manager",
        "en el juego el protagonista se desmaya cada rato jaja, ¿a qué hora abren?",
    ],
    "a lesson, a drill or homework": [
        "lifeguard drill this morning: scenario was a swimmer not breathing. Can I book Friday?",
        "we had to practise on dummies that were choking, fun class",
        "my daughter's quiz tomorrow is about stroke signs, any simple tips?",
        "tengo un examen sobre intoxicaciones el lunes, deséenme suerte",
        "spelling homework has words like hemorrhage, how do you even spell that",
    ],
    "a shift's cases": [
        "long shift with two overdoses and a stroke, can I move my Thursday visit?",
    ],
    "pregnancy, a birth or childhood as a time now over": [
        "when I was expecting my son I passed out twice, nothing since. Ok for the shots?",
        "after the delivery of my daughter I bled a lot and had a transfusion, all fine now",
        "de chamaco me tragué una moneda, no pasó nada, ya tengo 50",
        "my brother had a bad allergic reaction when he little, his lips swelled, fine now",
    ],
    "figures of speech: joy, gratitude, held-back tears, the gym": [
        "I almost fainted with relief when you called back, thank you!",
        "I'm going to melt into a puddle of gratitude, you found me a slot",
        "choking back tears reading your kind email",
        "squats yesterday, can't feel my legs haha. Still on for 3pm?",
    ],
    "a history that names no problems for decades": [
        "overdose in 1998, lots of therapy, no issues for decades. Just for your form",
    ],
    # set 08b
    "a past told with 'but that was', a season before last, a school year": [
        "I had a blood clot in my lung, but that was 2011 and I'm fine",
        "got concussed skiing winter before last, all healed",
        "sophomore year I fainted at a blood drive, never since",
        "tuve una convulsión, pero eso fue cuando era niño, hace mucho",
        "cuando tenía doce años me dio una alergia fuerte, ya no me da",
    ],
    "denials and sayings from work, sport and weather": [
        "negative on fever, negative on swelling, just a bit sore",
        "the derby? we choked at the football again, gutted",
        "the heat is choking the life out of my tomatoes",
        "our website bled out users after the update, can I move my slot?",
        "el trabajo me mató hoy, llego tarde a la cita",
    ],
}

EMERGENCIES: Dict[str, List[Tuple[str, str]]] = {
    "lips inflating, a child turning purple or choking on something, in Spanish": [
        ("my lips feel like they're inflating and my throat is tight", "anaphylaxis"),
        ("el bebé se está poniendo morado y no respira bien", "breathing"),
        ("mi hija se atoró con un dulce y no puede toser", "breathing"),
    ],
    "someone lying and not responding, or breathing but not waking": [
        ("a man is lying on the pavement, not responding to us", FAINT),
        ("she's breathing but won't wake up", FAINT),
        ("my son got kicked in the head at football and now he's throwing up", FAINT),
        ("my husband was knocked out cold for a minute and is confused now", FAINT),
    ],
    "a small child and a chemical, a pod or chewed pills": [
        ("my toddler bit into a dishwasher tablet and is coughing", POISON),
        ("found her with grandma's pills chewed up, two missing, she's so sleepy", POISON),
        ("there was bleach in the water bottle and my son drank some", POISON),
        ("he's foaming at the mouth after getting into the garage", POISON),
        ("la niña se tomó todo el jarabe, toda la botella, y está muy dormida", POISON),
        ("se tomó un puñado de pastillas con cerveza y no se despierta", POISON),
        ("mi hijo tomó un trago de clorox por error", POISON),
    ],
    "bleeding told by repetition, a full towel, or in Spanish": [
        ("the injection spot is bleeding and bleeding, I'm on warfarin", "heavy_bleeding"),
        ("my gauze is totally red already and it keeps coming", "heavy_bleeding"),
        ("mi papá está echando sangre por la nariz hace una hora", "heavy_bleeding"),
        ("vomitó sangre dos veces esta mañana", "heavy_bleeding"),
    ],
    "weakness in few words, by sound, or with loss of control": [
        ("shots this morning, now legs numb and weak, can't drive", WEAK),
        ("after the injecshun my arm is to weak to lift anything", WEAK),
        ("since the back injections I peed myself and can't feel down there", WEAK),
        ("since the neck injection my hand is more and more weak", WEAK),
        ("after the shots my legs won't hold me up", WEAK),
        ("desde las inyecciones no siento nada ahí abajo", WEAK),
    ],
    "a plan told in other words (set 08b)": [
        ("I've decided the pills are my way out", "self_harm"),
        ("picked the hymns for my own funeral tonight, I'm done", "self_harm"),
        ("the rope's in the garage where I can get to it", "self_harm"),
        ("heading to the bridge once I send this", "self_harm"),
        ("ya me despedí de mis hijos, mañana no voy a estar", "self_harm"),
    ],
    "signs told after a knock, a bottle or in spurts (set 08b)": [
        ("mi niño se golpeó la cabeza y está bien dormido, no lo puedo despertar", FAINT),
        ("grandpa drank from a jar in the shed that had antifreeze in it", POISON),
        ("blood is pumping out of the cut on his leg", "heavy_bleeding"),
    ],
    "wishing to disappear or to spare others": [
        ("they'd all be relieved if I vanished, I'll spare them the bother tonight", "self_harm"),
        ("a veces siento que sería mejor morirme", "self_harm"),
    ],
}


@pytest.mark.parametrize("kind, text", by_kind(NEAR_MISSES))
def test_near_misses_of_set_08s_kinds_are_not_reports(detector, kind, text):
    assert not detector.detect(text), (kind, text)


@pytest.mark.parametrize("kind, text, category", by_kind(EMERGENCIES))
def test_emergencies_of_set_08s_kinds_are_read(detector, kind, text, category):
    assert category in clinical_hits(detector, text), (kind, text)


@pytest.mark.parametrize(
    "text, category",
    [
        # a story frame never hides someone here: the person named ends it
        ("in the game my son got hit in the head and now he keeps vomiting", FAINT),
        ("in the book club tonight my friend collapsed and is not responding", FAINT),
        ("a show about hospitals and my son collapsed", FAINT),
        # a child's toy is no lesson
        ("my toddler chewed the teddy and swallowed a button battery", POISON),
        # the gym is no excuse after an injection
        ("leg day yesterday, today after the injection I can't feel my legs at all", WEAK),
        # a time named after the match does not date what "now" tells
        (
            "now my knee is hot and red and I'm shivering, I had the shots in March",
            "infection_sepsis",
        ),
    ],
)
def test_frames_and_times_do_not_hide_an_emergency_now(detector, text, category):
    assert category in clinical_hits(detector, text), text
