"""Near misses from a blind development set (tests/safety/dev/blind_2026_12_06b.yml), fixed by
kind, never by sentence: checklist lines answered no, a red-flag word naming a kind of case at
work, media frames, recoveries said plainly; and the emergencies it showed missing. Every
sentence here is new, written for these tests."""

from __future__ import annotations

import pytest

from bot.safety.red_flags import detector_for
from tests.unit.safety.conftest import clinical_hits


@pytest.mark.parametrize(
    "text",
    [
        "Week 1 check-in. Fever: none. Chills: none. Redness: a bit, fading.",
        "post shot form: chest pain - no, short of breath - no, dizziness - no",
        "rash no, fever no, numbness no, all good",
        "Any allergies? Shellfish - no. Previous anaphylaxis: never.",
        "Checklist: bleeding — nil. Pus — nil. Sore — yes, mild.",
        "Dolor de pecho: no. Fiebre: no. ¿Puedo ducharme?",
    ],
)
def test_a_checklist_line_answered_no_is_not_a_report(detector, text):
    assert not detector.detect(text), text


@pytest.mark.parametrize(
    "text, category",
    [
        # the answer is not a plain no: "no better", "no idea", a "yes"
        ("chest pain - no better since lunch and spreading to my jaw", "chest_cardiac"),
        ("fever: no idea, the thermometer broke, but I'm shaking and burning up",
         "infection_sepsis"),
        ("Fever: yes, 39.5. Chills: no.", "infection_sepsis"),
        # no mark and no list of answers: a lone "no" is not a checklist
        ("please help I can't breathe no", "breathing"),
        ("my chest pain: none of your business, it's crushing", "chest_cardiac"),
    ],
)  # fmt: skip
def test_a_checklist_answer_that_is_not_no_leaves_the_report(detector, text, category):
    assert category in clinical_hits(detector, text), text


@pytest.mark.parametrize(
    "text",
    [
        "our ward gets overdose cases most weekends, I'm a nurse with a bad back",
        "I work with stroke patients all day, is PIT ok for my wrist?",
        "I handle chest pain calls at the dispatch centre, my shoulder is wrecked",
        "I take suicidal calls on a helpline two nights a week, my neck is stiff",
        "Hay muchos casos de infarto en mi familia. ¿Es segura la PIT?",
        "I run first aid courses on bleeding and choking, do you treat elbows?",
        "Seen my share of overdoses as a cop. Now my knees are shot. Can you help?",
    ],
)
def test_a_red_flag_word_naming_a_kind_of_case_is_not_a_report(detector, text):
    assert not detector.detect(text), text


@pytest.mark.parametrize(
    "text, category",
    [
        # the patient is the case: the report next to the kind word still stands
        ("I'm a stroke patient and my face is drooping and my speech is slurred", "stroke"),
        ("I'm a nurse and I'm having crushing chest pain right now", "chest_cardiac"),
        ("I work with overdose cases and I've just taken 20 of my sleeping pills",
         "overdose_poisoning"),
    ],
)  # fmt: skip
def test_a_report_beside_a_kind_of_case_is_still_an_emergency(detector, text, category):
    assert category in clinical_hits(detector, text), text


@pytest.mark.parametrize(
    "text",
    [
        "saw a TikTok of a woman collapsing at the gym, do you have a defibrillator?",
        "heard on the news about a sepsis outbreak at a hospital, how clean is your clinic?",
        "my son plays a video game with people bleeding everywhere, anyway, do you do Saturdays?",
        "Vi en el periódico que una mujer murió de una infección, ¿cómo esterilizan?",
    ],
)
def test_what_a_video_game_or_the_news_shows_is_not_a_report(detector, text):
    assert not detector.detect(text), text


@pytest.mark.parametrize(
    "text",
    [
        "I tried to end my life in 2015. I'm safe and stable, and I'd like to try PIT for my hip.",
        "History of suicidal thoughts, none in the last 6 years. Booking for my shoulder.",
        "Hace años quise quitarme la vida. Ahora me siento bien. ¿Cuánto dura la sesión?",
    ],
)
def test_a_self_harm_history_told_as_over_is_not_a_crisis(detector, text):
    assert not detector.detect(text), text


@pytest.mark.parametrize(
    "text, category",
    [
        ("my sats are 84 on the finger thing and I can't get a full breath", "breathing"),
        ("his fingers look a bit blue and he's wheezing", "breathing"),
        ("swallowed around 12 grams of acetaminophen since this morning", "overdose_poisoning"),
        ("my toddler ate some of my pain pils and he's so drowsy", "overdose_poisoning"),
        ("the blood has soaked through two dressings in ten minutes", "heavy_bleeding"),
        ("retrosternal pressure for 30 minutes, sweating and nauseous", "chest_cardiac"),
        ("My friend sent a goodbye text, said sorry for everything and he's gonna jump",
         "self_harm"),
        ("Voy a tomármelas todas, ya no puedo más", "self_harm"),
        ("mi hija se bebió un producto de limpieza y está vomitando", "overdose_poisoning"),
        ("tengo entumecida la zona entre las piernas desde la inyección", "new_weakness_numbness"),
        ("Siento los brazos cada vez más débiles desde ayer", "new_weakness_numbness"),
    ],
)  # fmt: skip
def test_emergencies_the_blind_set_showed_missing(detector, text, category):
    assert category in clinical_hits(detector, text), text


def test_a_lemma_of_a_lemma_is_followed_so_plurals_meet_their_patterns():
    """The lemma table maps "dressings" to "dressing" and "dressing" to "dress"."""
    lexicon = detector_for().lexicon
    assert lexicon.key("dressings") == lexicon.key("dressing")
    assert lexicon.key("swellings") == lexicon.key("swelling")


# From the blind development set blind_2026_12_06c.yml (figurative, past, negated), by kind.
@pytest.mark.parametrize(
    "text",
    [
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
)
def test_idioms_pasts_and_denials_of_the_second_blind_set_are_not_reports(detector, text):
    assert not detector.detect(text), text


@pytest.mark.parametrize(
    "text, category",
    [
        # "now" and "ahora" end a past (a word in two ConText categories lost one of them)
        ("Years ago I had a stroke and now my face is drooping and my speech is slurred",
         "stroke"),
        ("Hace años tuve sepsis y ahora tengo fiebre alta, temblores y estoy confundida",
         "infection_sepsis"),
        ("mum took all of this month's heart tablets at once, she's very drowsy",
         "overdose_poisoning"),
        ("I've been googling how many tablets it would take", "self_harm"),
        ("Cancel my bookings, I'm not going to be around much longer", "self_harm"),
        ("se me durmieron los dos brazos de golpe y no los siento", "new_weakness_numbness"),
        ("de repente tampoco controlo la orina, las piernas flojas", "new_weakness_numbness"),
        # a chore after "rather die than" is an idiom; going on is not
        ("I'd rather die than go on living like this", "self_harm"),
    ],
)  # fmt: skip
def test_emergencies_beside_idioms_pasts_and_denials_are_still_read(detector, text, category):
    assert category in clinical_hits(detector, text), text


def test_a_context_word_in_two_categories_is_refused():
    """medspaCy keeps one of two modifiers on the same words, so the catalog may not list a
    word in two ConText categories (bot/safety/context_rules.py)."""
    from bot.safety.context_rules import build_rules

    with pytest.raises(ValueError, match="both"):
        build_rules({"STORY_END": {"forward": ["now"]}, "TERMINATE": {"terminate": ["now"]}})
