"""Emergencies and near misses of the kinds the blind development set
tests/safety/dev/blind_2026_12_07.yml showed missing: writers not seen before (formal older
writers, English through a translation app, voice-to-text, emoji and a word, the clinic's
own questions quoted back, carers and staff). Fixed by kind, never by sentence: every
sentence here is new, written for these tests."""

from __future__ import annotations

from typing import Dict, List, Tuple

import pytest

from bot.safety.text import normalise_keeping_offsets
from tests.unit.safety.conftest import by_kind, clinical_hits

NEAR_MISSES: Dict[str, List[str]] = {
    "the clinic's question quoted back and answered no": [
        "About your question 'any fainting or chest pain?' - no to both, all good",
        'Your form says "any swelling of the lips or tongue?" - nope, none of that.',
    ],
    "a form's entry with its year, or an allergy listed": [
        "PMH: stroke 2017, hypertension, on amlodipine",
        "Allergies: latex (anaphylaxis), codeine (rash). Meds: none.",
        "Previous episodes of fainting? I had two in 2019, cardiology said vasovagal.",
    ],
    "a past told in translated English, with all well now": [
        "My wife before two years had seizure, now normal, she want to try PIT",
        "I had a panic with breathing before six months, now is fine, can I come?",
    ],
    "a past with a long well time after it": [
        "in my 30s I overdosed on purpose but I've been well for over ten years now",
        "self-harm as a teenager, 1999, stable since. The form asks so I'm telling you",
        "I coughed up blood on Sunday morning, the ER found a nosebleed, they discharged me "
        "and I feel fine now",
        "collapsed in 2018, never had one since, is it safe for me?",
    ],
    # not "have", "feel" or "getting": "what if I have crushing chest pain now?" is a report
    "a what-if with a verb of becoming": [
        "what should I do if the injection spot became hot and red and I got a fever?",
        "if my leg becomes numb after the shots, who do I call?",
    ],
    "a word asked to be explained": [
        "can you explain me anaphylaxis, the nurse said it and I did not understand",
    ],
    "figures of speech": [
        "my ex is pure poison to me lol, anyway can I book for Tuesday?",
        "I nearly passed out from the shock when I saw how much parking costs",
        "con este calorón me estoy ahogando, ¿tienen ventilador en la sala?",
        "mis nietos me van a dar un infarto jajaja, ¿puedo llevarlos a la cita?",
    ],
    "a past choking that ended well (Spanish)": [
        "ayer me atraganté con una pastilla pero ya pasó, todo bien",
    ],
}

EMERGENCIES: Dict[str, List[Tuple[str, str]]] = {
    "breathing told in translated or plain words": [
        ("My mother cannot take the air, her lips are becoming grey", "breathing"),
        ("my throat ok but my chest is closing up, I can only take small breaths", "breathing"),
        ("he is breathing like a fish, mouth open, very fast", "breathing"),
        ("she can't speak a full sentence without stopping for breath", "breathing"),
        ("his breathing is whistling and he went pale after the peanut", "breathing"),
        ("mi bebé se está atragantando con una uva", "breathing"),
    ],
    "self-harm in a few words": [
        ("can't stop cutting tonight", "self_harm"),
    ],
    "poisoning told by its signs or by a bottle": [
        ("grandpa is very drowsy and breathing slow after his pain patches", "overdose_poisoning"),
        ("my toddler drank some anti freeze from the garage", "overdose_poisoning"),
        ("mi papá bebió sin querer un poco de cloro de una botella de agua", "overdose_poisoning"),
    ],
    "bleeding that pressure does not stop": [
        ("I pressed on it for twenty minutes and it's still pouring out", "heavy_bleeding"),
        ("I push on my arm but the blood no stop", "heavy_bleeding"),
        ("she coughed up what looked like half a cup of blood", "heavy_bleeding"),
        ("\U0001fa78 wont stop after shot", "heavy_bleeding"),
    ],
    "new weakness told in translated or formal words": [
        ("after the needles my knee fold when I walk and I fall", "new_weakness_numbness"),
        ("since the injection my hand is like wood, no strength", "new_weakness_numbness"),
        (
            "Following today's treatment my left leg has become numb and I cannot bear weight.",
            "new_weakness_numbness",
        ),
        ("both legs numb, cant stand up", "new_weakness_numbness"),
    ],
}


@pytest.mark.parametrize("kind, text", by_kind(NEAR_MISSES))
def test_near_misses_of_new_writers_are_not_reports(detector, kind, text):
    assert not detector.detect(text), (kind, text)


@pytest.mark.parametrize("kind, text, category", by_kind(EMERGENCIES))
def test_emergencies_of_new_writers_are_read(detector, kind, text, category):
    assert category in clinical_hits(detector, text), (kind, text)


def test_a_blood_drop_emoji_reads_as_blood_and_keeps_offsets():
    text = "\U0001fa78\U0001fa78 wont stop"
    normalised = normalise_keeping_offsets(text)
    assert normalised.text.split()[:2] == ["blood", "blood"]
    start, original = normalised.text.index("wont"), text.index("wont")
    assert normalised.original_span(start, start + 4) == (original, original + 4)
