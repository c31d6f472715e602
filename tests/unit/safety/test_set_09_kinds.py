"""Emergencies and near misses of the kinds the blind development set
tests/safety/dev/blind_2026_12_09.yml showed missing: reports in clipped fragments split by
full stops, veiled goodbyes that name no means, goodbyes said in secret, Spanish wishes not to
wake and texting shorthand; and near misses dated in the next clause ("this was three years
ago", "pero fue con quince años"), things that "bleed" or "pass out", choking on stage and
Spanish sayings. Fixed by kind, never by sentence: every sentence here is new, written for
these tests."""

from __future__ import annotations

from typing import Dict, List, Tuple

import pytest

from tests.unit.safety.conftest import by_kind, clinical_hits

HARM, BLEED, WEAK = "self_harm", "heavy_bleeding", "new_weakness_numbness"

EMERGENCIES: Dict[str, List[Tuple[str, str]]] = {
    "a report in clipped fragments": [
        ("Gum bleeding. 40 mins. Still pouring.", BLEED),
        ("Nose bleed. Over an hour now. On blood thinners.", BLEED),
        ("Injection yesterday. Both legs numb. Can't walk.", WEAK),
    ],
    "a veiled goodbye that names no means": [
        ("left notes for everybody on the kitchen table. thanks for all you did", HARM),
        ("By the time you read this I won't be around. Please tell the nurse thanks.", HARM),
        ("rang my sister to say goodbye without her knowing why. I'm ready now.", HARM),
        ("strangely calm since I made up my mind. the pills are on the counter", HARM),
        ("Dad texted sorry for everything, look after mum, and now he isn't answering", HARM),
        ("the rope is ready in the shed, I can't do this pain any more", HARM),
        ("sitting on the window ledge, 9 floors up, just wanted to tell someone", HARM),
    ],
    "Spanish goodbyes, wishes not to wake and texting shorthand": [
        ("me estuve despidiendo de mis amigos sin que lo sepan. mañana ya no estaré", HARM),
        ("mi hermano mandó un mensaje despidiéndose y ahora no me contesta", HARM),
        ("ojalá me duerma hoy y nunca me despierte, ya junté las pastillas", HARM),
        ("me voy a descansar para siempre, dejé todo arreglado para mi familia", HARM),
        ("m acabo d cortar el brazo y no para", HARM),
    ],
    "Spanish signs said another way": [
        ("me está doliendo el pecho y el dolor baja al brazo izquierdo", "chest_cardiac"),
        ("me tomé sin querer el doble de tramadol y estoy muy mareada", "overdose_poisoning"),
        ("donde me pincharon la rodilla el bulto sigue creciendo muy rápido", BLEED),
    ],
}

NEAR_MISSES: Dict[str, List[str]] = {
    "a history dated in the next clause or in fragments": [
        "My lips swelled up and I couldn't swallow. Turned out it was shellfish, this was in 2015.",
        "Heart attack. 2011. Stent. Fine since. Ok for Monday?",
        "fainted at a wedding once, but that was when I was in high school",
        "overdosed on my mum's pills, but dat was 10 years now, clean since",
        "me desmayé en la iglesia, pero fue con doce años",
        "in my eighties I lost feeling in my legs after a fall, it was fixed",
        "had a blood clot in March, all cleared, can I book?",
        "de niña me sangraba mucho la nariz, ya de grande no",
        "cuando éramos chicos mi hermano casi se ahoga en el río",
        "me pegué en la cabeza jugando rugby hace mil años",
    ],
    "things that bleed, pass out or have a heart attack": [
        "my savings are bleeding out with all these appointments lol",
        "the router keeps passing out, sorry if I drop off the chat",
        "my old car nearly had a heart attack on the hill, made it though",
        "the roast was still bleeding when we cut it, perfect",
    ],
    "choking on stage or choked up, and Spanish sayings": [
        "our striker choked in the final again, can I move Saturday?",
        "I got so choked up at the ceremony, sorry for the late reply",
        "my nephew nearly passed out laughing at the magician",
        "el trabajo me tiene ahogada con tantas cuentas",
        "la bachata de anoche me mató, ¿me confirman la cita?",
        "casi me da un derrame con la factura de la luz jaja",
        "me desmayo d la risa con tus memes",
        "a boiled egg for breakfast and then my session",
    ],
    "a form's question about a kind of injury, a denial in patois": [
        "the form asks about head injuries, I had a concussion playing rugby ages ago",
        "mi nuh waan dead, just tired of di knee pain",
        "no me hinché, tmp me salieron ronchas, solo pica",
    ],
}


@pytest.mark.parametrize("kind, text, category", by_kind(EMERGENCIES))
def test_emergencies_of_set_09s_kinds_are_read(detector, kind, text, category):
    assert category in clinical_hits(detector, text), (kind, text)


@pytest.mark.parametrize("kind, text", by_kind(NEAR_MISSES))
def test_near_misses_of_set_09s_kinds_are_not_reports(detector, kind, text):
    assert not detector.detect(text), (kind, text)


@pytest.mark.parametrize(
    "text, category",
    [
        # a fragment that is a question or an answer stays a sentence of its own
        ("Just had my injection. Lips swelling. Throat tight. What is happening", "anaphylaxis"),
        ("No. Chest pain now, crushing, sweating.", "chest_cardiac"),
        # a present report is not dated by a history that follows it
        ("My face is drooping on one side right now. I had Bell's palsy in 2010.", "stroke"),
        # a thing named before does not make a person's sign a thing's
        ("my phone died and I'm bleeding heavily from the injection site, it won't stop", BLEED),
    ],
)
def test_joined_fragments_and_dating_clauses_do_not_hide_an_emergency(detector, text, category):
    assert category in clinical_hits(detector, text), text
