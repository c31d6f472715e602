"""Near misses and emergencies from two blind development sets (tests/safety/dev/
blind_2026_12_06b.yml: jobs, media, checklists; blind_2026_12_06c.yml: figurative, past,
negated), fixed by kind, never by sentence. Every sentence here is new, written for these
tests, one table per side so a kind is one line to extend."""

from __future__ import annotations

from typing import Dict, List, Tuple

import pytest

from bot.safety.red_flags import detector_for
from tests.unit.safety.conftest import by_kind, clinical_hits

# Kinds of near miss, each with messages that must raise no red flag.
NEAR_MISSES: Dict[str, List[str]] = {
    "checklist answered no": [
        "Week 1 check-in. Fever: none. Chills: none. Redness: a bit, fading.",
        "post shot form: chest pain - no, short of breath - no, dizziness - no",
        "rash no, fever no, numbness no, all good",
        "Any allergies? Shellfish - no. Previous anaphylaxis: never.",
        "Checklist: bleeding — nil. Pus — nil. Sore — yes, mild.",
        "Dolor de pecho: no. Fiebre: no. ¿Puedo ducharme?",
    ],
    "hyperbole about a bill or a machine": [
        "Saw the invoice and nearly keeled over, is there a cheaper option?",
        "My phone had a total seizure and deleted your text, what time was it?",
    ],
    "normal temperature": [
        "temp 36.9 this morning and feeling fine, is Thursday still ok?",
        "my temperature was 98.6 at the pharmacy, all normal",
    ],
    "kind of case": [
        "our ward gets overdose cases most weekends, I'm a nurse with a bad back",
        "I work with stroke patients all day, is PIT ok for my wrist?",
        "I handle chest pain calls at the dispatch centre, my shoulder is wrecked",
        "I take suicidal calls on a helpline two nights a week, my neck is stiff",
        "Hay muchos casos de infarto en mi familia. ¿Es segura la PIT?",
        "I run first aid courses on bleeding and choking, do you treat elbows?",
        "Seen my share of overdoses as a cop. Now my knees are shot. Can you help?",
    ],
    "video, game or news": [
        "saw a TikTok of a woman collapsing at the gym, do you have a defibrillator?",
        "heard on the news about a sepsis outbreak at a hospital, how clean is your clinic?",
        "my son plays a video game with people bleeding everywhere, anyway, do you do Saturdays?",
        "Vi en el periódico que una mujer murió de una infección, ¿cómo esterilizan?",
    ],
    "self-harm told as over": [
        "I tried to end my life in 2015. I'm safe and stable, and I'd like to try PIT for my hip.",
        "History of suicidal thoughts, none in the last 6 years. Booking for my shoulder.",
        "Hace años quise quitarme la vida. Ahora me siento bien. ¿Cuánto dura la sesión?",
    ],
    "idiom, past or denial": [
        "¿Es normal marearse un poco después de la sesión?",
        "Going back to the office now would be social suicide, can we do Saturday?",
        "I'd sooner die than queue at that pharmacy again, can you post the forms?",
        "my in-laws are absolute poison at Christmas, anyway is the 27th open?",
        "The car was roasting and the office is boiling too, is the clinic air conditioned?",
        "I don't feel like harming myself at all, I'm only asking about the mood side of pain.",
        "I have never had any suicidal thoughts, my GP just asked me to check.",
        "Bad allergy to bee stings as a baby, outgrew it years back. Is that relevant?",
        "Fainted twice when I was pregnant, that's all. Are the needles long?",
        "My asthma hasn't needed the inhaler for years. Should I bring it anyway?",
        "Hace años tuve una sobredosis. Hoy estoy bien y trabajo. ¿Tienen citas el lunes?",
        "No siento el brazo raro ni dormido, solo cansado. ¿Es normal?",
    ],
}

# Emergencies next to the same frames, with the category each must still be caught as: an
# answer that is not a plain no ("no better", a lone "no" with no mark and no list), the
# patient being the case, emergencies the sets showed missing, and "now"/"ahora" ending a past.
EMERGENCIES: Dict[str, List[Tuple[str, str]]] = {
    "a real faint beside a bill": [
        (
            "Saw the price and then my husband collapsed, he is not responding",
            "fainting_head_injury",
        ),
    ],
    "fever temperature": [
        ("temp is 39.4 and I can't stop shivering", "infection_sepsis"),
        ("my temperature is 102 and the injection site is hot", "infection_sepsis"),
    ],
    "answer that is not no": [
        ("chest pain - no better since lunch and spreading to my jaw", "chest_cardiac"),
        (
            "fever: no idea, the thermometer broke, but I'm shaking and burning up",
            "infection_sepsis",
        ),
        ("Fever: yes, 39.5. Chills: no.", "infection_sepsis"),
        ("please help I can't breathe no", "breathing"),
        ("my chest pain: none of your business, it's crushing", "chest_cardiac"),
    ],
    "report beside a kind of case": [
        ("I'm a stroke patient and my face is drooping and my speech is slurred", "stroke"),
        ("I'm a nurse and I'm having crushing chest pain right now", "chest_cardiac"),
        (
            "I work with overdose cases and I've just taken 20 of my sleeping pills",
            "overdose_poisoning",
        ),
    ],
    "missing in the first set": [
        ("my sats are 84 on the finger thing and I can't get a full breath", "breathing"),
        ("his fingers look a bit blue and he's wheezing", "breathing"),
        ("swallowed around 12 grams of acetaminophen since this morning", "overdose_poisoning"),
        ("my toddler ate some of my pain pils and he's so drowsy", "overdose_poisoning"),
        ("the blood has soaked through two dressings in ten minutes", "heavy_bleeding"),
        ("retrosternal pressure for 30 minutes, sweating and nauseous", "chest_cardiac"),
        (
            "My friend sent a goodbye text, said sorry for everything and he's gonna jump",
            "self_harm",
        ),
        ("Voy a tomármelas todas, ya no puedo más", "self_harm"),
        ("mi hija se bebió un producto de limpieza y está vomitando", "overdose_poisoning"),
        ("tengo entumecida la zona entre las piernas desde la inyección", "new_weakness_numbness"),
        ("Siento los brazos cada vez más débiles desde ayer", "new_weakness_numbness"),
    ],
    "beside an idiom, past or denial": [
        ("Years ago I had a stroke and now my face is drooping and my speech is slurred", "stroke"),
        (
            "Hace años tuve sepsis y ahora tengo fiebre alta, temblores y estoy confundida",
            "infection_sepsis",
        ),
        (
            "mum took all of this month's heart tablets at once, she's very drowsy",
            "overdose_poisoning",
        ),
        ("I've been googling how many tablets it would take", "self_harm"),
        ("Cancel my bookings, I'm not going to be around much longer", "self_harm"),
        ("se me durmieron los dos brazos de golpe y no los siento", "new_weakness_numbness"),
        ("de repente tampoco controlo la orina, las piernas flojas", "new_weakness_numbness"),
        ("I'd rather die than go on living like this", "self_harm"),
    ],
}


@pytest.mark.parametrize("kind, text", by_kind(NEAR_MISSES))
def test_near_misses_of_the_blind_sets_are_not_reports(detector, kind, text):
    assert not detector.detect(text), (kind, text)


@pytest.mark.parametrize("kind, text, category", by_kind(EMERGENCIES))
def test_emergencies_beside_near_miss_frames_are_still_read(detector, kind, text, category):
    assert category in clinical_hits(detector, text), (kind, text)


def test_a_lemma_of_a_lemma_is_followed_so_plurals_meet_their_patterns():
    """The lemma table maps "dressings" to "dressing" and "dressing" to "dress"."""
    lexicon = detector_for().lexicon
    assert lexicon.key("dressings") == lexicon.key("dressing")
    assert lexicon.key("swellings") == lexicon.key("swelling")


def test_a_context_word_in_two_categories_is_refused():
    """medspaCy keeps one of two modifiers on the same words, so the catalog may not list a
    word in two ConText categories (bot/safety/context_rules.py)."""
    from bot.safety.context_rules import build_rules

    with pytest.raises(ValueError, match="both"):
        build_rules({"STORY_END": {"forward": ["now"]}, "TERMINATE": {"terminate": ["now"]}})
