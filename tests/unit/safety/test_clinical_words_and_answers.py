"""Round of 2026-12-04e (issue 9): clinical words a nurse or doctor uses for a relative, real
words the speller must keep ("tinge", "heartache", "mejorado"), a question answered "no",
and a recent faint or rash told as over.

Sentences here are new ones written for these rules, not copies of any development set."""

from __future__ import annotations

import pytest

from bot.safety.lexicon import common_words
from bot.safety.red_flags import RedFlagDetector
from tests.unit.safety.conftest import clinical_hits


@pytest.mark.parametrize(
    "text, category",
    [
        ("Pt 70F, acute SOB since lunch, lips cyanotic, on home oxygen", "breathing"),
        ("mum is only managing 2 word sentences and looks dusky around the lips", "breathing"),
        ("Dad, 74: sudden dysarthria and left hemiparesis about 20 min ago", "stroke"),
        (
            "syncopal episode in the waiting room, struck his forehead on the chair",
            "fainting_head_injury",
        ),
        ("wife has had haematemesis twice this evening, pale and clammy", "heavy_bleeding"),
        (
            "brother with a disc bulge now has saddle anaesthesia and can't pee",
            "new_weakness_numbness",
        ),
        ("since this morning she can't hold her urine and her foot slaps", "new_weakness_numbness"),
        ("I'm spitting up dark red blood and clots, it's not slowing", "heavy_bleeding"),
        ("we've soaked four towels and the shin is still dripping", "heavy_bleeding"),
        ("my 3 year old swallowed some of the windshield washer fluid", "overdose_poisoning"),
        ("my daughter ate a handful of her nan's blood pressure tablets", "overdose_poisoning"),
        ("I cut myself again tonight and it's really deep", "self_harm"),
        ("honestly my kids would be better off without me", "self_harm"),
        ("mi papá se agarra el pecho y está sudando frío", "chest_cardiac"),
        ("siento como un ladrillo encima del pecho desde la sesión", "chest_cardiac"),
        ("mi madre tiene disnea y los labios cianóticos", "breathing"),
        ("de forma súbita perdí la vista del ojo izquierdo", "stroke"),
        ("de repente no pueda mover el brazo, ¿es normal?", "new_weakness_numbness"),
    ],
)
def test_reported_emergency_is_found(detector: RedFlagDetector, text: str, category: str) -> None:
    assert category in clinical_hits(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        # a question answered no, direct or reported
        "> Any fever or chills since the session? Nope, none of that.",
        "Trouble swallowing? No. Hives? Nope. Just a sore knee.",
        "the nurse asked if I had any chest pain or shortness of breath: no, all good",
        "me preguntó si tenía fiebre o hinchazón en los labios: no, nada de eso",
        # a recent faint or rash, told as over
        "Passed out yesterday at the bus stop, fine now, the doctor checked me",
        "my nan's lips swelled up a bit on Sunday after prawns, she's totally fine now",
        "el sábado me dio fiebre, pero desde entonces estoy perfecta",
        # ordinary words the speller must not turn into a red flag
        "the heartache of missing my dog's walks is the worst part",
        "there's a faint pink tinge where the needle went, no pain",
        "thanks so much for fitting me in on Friday",
        "he mejorado mucho desde la segunda sesión",
        "your forms gave me acute dyspnoea, joking, all done",
        "Brief hx: vasovagal syncope at age 19, asymptomatic since",
    ],
)
def test_calm_message_is_not_flagged(detector: RedFlagDetector, text: str) -> None:
    assert not clinical_hits(detector, text)


@pytest.mark.parametrize(
    "text, category",
    [
        # an answer that is not "no" keeps the question's symptom
        ("Any chest pain? yes, crushing, right now", "chest_cardiac"),
        ("Any fainting? No one was with me when I passed out an hour ago", "fainting_head_injury"),
        # well now, but the time is today or it is back
        ("fainted yesterday, fine now, but fainted again today", "fainting_head_injury"),
        # an overdose is never dismissed as a recent past told as over
        ("took 20 tylenol yesterday but I'm fine now", "overdose_poisoning"),
    ],
)
def test_answer_or_recovery_that_does_not_dismiss(
    detector: RedFlagDetector, text: str, category: str
) -> None:
    assert category in clinical_hits(detector, text)


@pytest.mark.parametrize(
    "word", ["tinge", "heartache", "strobe", "infusion", "costado", "respiro", "mejorado"]
)
def test_real_words_are_common(word: str) -> None:
    words = common_words()
    assert words is not None and word in words


@pytest.mark.parametrize("typo", ["feaver", "sweling", "unconcious", "becasue", "bleding"])
def test_typos_are_not_common(typo: str) -> None:
    words = common_words()
    assert words is not None and typo not in words


@pytest.mark.parametrize(
    "text",
    [
        # told wholly in the past, all well now
        "banged my head on the car door over new year, the scan came back clear",
        "my son had a bad asthma attack at rugby last season, he was fine after his inhaler",
        "got hives all over from washing powder in the spring, stopped it, never happened since",
        "mi hija tuvo fiebre el fin de semana pero ya está sin fiebre desde el lunes",
        # "ahora" that names nothing new is no change ("now she has sore knees")
        "a mi padre le dio un infarto en 2016, ahora tiene dolor de espalda, ¿lo atienden?",
    ],
)
def test_a_past_told_as_over_is_not_flagged(detector: RedFlagDetector, text: str) -> None:
    assert not clinical_hits(detector, text)


@pytest.mark.parametrize(
    "text, category",
    [
        # the present tense keeps it, whatever else is well
        (
            "I hit my head on Sunday, was fine, but now I can't stop being sick",
            "fainting_head_injury",
        ),
        ("my lips are swelling up, I was fine yesterday", "anaphylaxis"),
        # "ahora mismo" after a past starts the now
        ("mi papá tuvo un infarto hace años y ahora mismo le duele el pecho", "chest_cardiac"),
    ],
)
def test_what_is_now_after_a_past_stays(
    detector: RedFlagDetector, text: str, category: str
) -> None:
    assert category in clinical_hits(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        # figures of speech: machines, money, pride, laughter, nagging
        "the laptop at home is having a seizure again, can you email the form",
        "my car keeps having fits on cold mornings so I might be late",
        "el internet sigue convulsionando, perdón si se corta",
        "that invoice is giving me a heart attack haha",
        "I nearly had a fit when I saw the price of parking",
        "casi me desmayo con la fila del banco jaja",
        "my husband is smothering me with questions about the needles",
        "his chest swelled with pride after the first pain-free walk",
        "I break out in hives at the mention of dentists",
        "the office has playoff fever this week",
        "that video sent shivers down my spine",
        "such a load off my chest to finally book",
    ],
)
def test_figure_of_speech_is_not_flagged(detector: RedFlagDetector, text: str) -> None:
    assert not clinical_hits(detector, text)


@pytest.mark.parametrize(
    "text, category",
    [
        # the same words, told of a person now
        ("I dropped my phone because I was having a seizure", "fainting_head_injury"),
        ("my phone died and then I fainted on the pavement", "fainting_head_injury"),
        ("se me cayó el teléfono y me desmayé", "fainting_head_injury"),
        ("the injection gave me chills and I'm shaking", "infection_sepsis"),
        ("casi me desmayo al levantarme y todo me da vueltas", "fainting_head_injury"),
        ("I need to get this off my chest: there's crushing pain in my chest", "chest_cardiac"),
    ],
)
def test_literal_use_of_figurative_words_stays(
    detector: RedFlagDetector, text: str, category: str
) -> None:
    assert category in clinical_hits(detector, text)


@pytest.mark.parametrize(
    "text, category",
    [
        # told softly: the means, the letters, a time set, a place at the edge
        ("my brother has locked himself in his room with a knife and won't answer", "self_harm"),
        ("the goodbye letters for my family are written, tonight is the night", "self_harm"),
        ("I'm ending it tomorrow, thanks for everything", "self_harm"),
        ("sitting on the edge of the bridge, just wanted to say bye", "self_harm"),
        ("mi primo dice que se va a matar, no contesta", "self_harm"),
        ("hoy me tiro del puente, ya no puedo más", "self_harm"),
        # bleeding told by its amount
        ("the dressing on my calf has bled through twice in an hour", "heavy_bleeding"),
        ("gone thru 3 towels on my knee and it won't slow down", "heavy_bleeding"),
        ("she's soaking a pad every half hour since lunch", "heavy_bleeding"),
        # waking on the floor; lost count of the tablets; carbon monoxide
        ("me desperté en el suelo de la cocina y me sangra la cabeza", "fainting_head_injury"),
        ("I've lost count of the oxy I took tonight and I'm so sleepy", "overdose_poisoning"),
        (
            "the gas heater has a strange smell and we all have headaches and feel sick",
            "overdose_poisoning",
        ),
        ("perdí la cuenta de las pastillas que me tomé y tengo mucho sueño", "overdose_poisoning"),
    ],
)
def test_softly_told_emergency_is_found(
    detector: RedFlagDetector, text: str, category: str
) -> None:
    assert category in clinical_hits(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        "pick your poison, Monday or Wednesday?",
        "my cat is out cold on the radiator, so I'm free at 3",
        "I can't breathe 😂 my son just called the physio 'the needle lady'",
        "the office is so stuffy it's suffocating, can we do the session earlier?",
        "I choked in the job interview but the knee held up fine",
        "estoy ahogada de trabajo, ¿hay cita el sábado?",
        "hitting the ground running after session two!",
    ],
)
def test_more_figures_of_speech_are_not_flagged(detector: RedFlagDetector, text: str) -> None:
    assert not clinical_hits(detector, text)


@pytest.mark.parametrize(
    "text, category",
    [
        # a settled phrase that "until" or "then" takes back is not well
        ("the scan was clear, then an hour ago I fainted and hit my head", "fainting_head_injury"),
        (
            "it was nothing until this morning when I collapsed in the kitchen",
            "fainting_head_injury",
        ),
        # figure-of-speech exceptions never reach a literal report
        ("my kid's out cold after falling off the trampoline", "fainting_head_injury"),
        ("mum passed out on the sofa after her injections", "fainting_head_injury"),
        ("I overdosed on christmas eve and feel awful", "overdose_poisoning"),
    ],
)
def test_exceptions_stop_at_literal_reports(
    detector: RedFlagDetector, text: str, category: str
) -> None:
    assert category in clinical_hits(detector, text)


@pytest.mark.parametrize(
    "text, category",
    [
        # bleeding told by how long, where it ran, how often a pad is changed
        (
            "my shin has been bleeding since lunchtime and the plaster can't keep up",
            "heavy_bleeding",
        ),
        (
            "the jab site kept bleeding all afternoon and there's a puddle under my chair",
            "heavy_bleeding",
        ),
        ("changing my pad every 20 minutes and feel faint", "heavy_bleeding"),
        ("el pinchazo no para de sangrar y ya llené dos gasas", "heavy_bleeding"),
        # weakness that climbs, legs that give out, sitting without feeling
        ("my legs gave way in the hall and I can't get up", "new_weakness_numbness"),
        (
            "the numbness started in my toes yesterday and now it's up to my knees",
            "new_weakness_numbness",
        ),
        ("se me durmieron la entrepierna y los muslos desde la sesión", "new_weakness_numbness"),
        ("tengo el brazo muerto desde la inyección del cuello", "new_weakness_numbness"),
        # a burden soon gone, a goodbye note, a bridge now
        ("don't worry, I won't be a burden much longer", "self_harm"),
        ("found a goodbye note from my brother on the table", "self_harm"),
        ("dejó una nota de despedida y no contesta", "self_harm"),
        # a fit with foam, a fall not remembered, "se cayó redonda"
        ("she's jerking and frothing at the mouth", "fainting_head_injury"),
        ("woke up in the hallway, I don't remember collapsing", "fainting_head_injury"),
        ("mi tía se cayó redonda y lleva rato sin reaccionar", "fainting_head_injury"),
    ],
)
def test_weak_category_emergency_is_found(
    detector: RedFlagDetector, text: str, category: str
) -> None:
    assert category in clinical_hits(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        # an ordinary period or dressing routine is no heavy bleeding
        "I'm changing the dressing every 24 hours like the nurse said",
        "my period is normal, soaking a pad every 4 hours",
        "cambio la compresa cada 4 horas, lo normal",
    ],
)
def test_ordinary_pad_and_dressing_routine_is_not_flagged(
    detector: RedFlagDetector, text: str
) -> None:
    assert not clinical_hits(detector, text)
