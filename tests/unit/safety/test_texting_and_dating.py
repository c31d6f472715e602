"""How people really type, and a past dated in the next sentence (issue 9, round of 2026-12-04c).

Texting shorthand ("legs r numb n weak rn") and a dropped "g" ("fightin' for every breath")
read as the words they stand for; "why can't I lift my foot?" takes the symptom as given; a
sentence that starts "That was ..." and names a past time dates the sentence before it; an
EpiPen carried along, a chest infection treated with antibiotics and a figure of speech
("choking on all these options") are no emergency. Sentences here are new ones written for
these rules, not copies of any development set."""

from __future__ import annotations

import pytest

from bot.safety.lexicon import TEXTING_SHORTHAND
from bot.safety.text import normalise_keeping_offsets
from tests.unit.safety.conftest import clinical_hits


@pytest.mark.parametrize(
    "text, category",
    [
        ("my arms r numb n weak rn since the neck shots", "new_weakness_numbness"),
        ("been strugglin' for every breath since this mornin'", "breathing"),
        ("why can't I lift my foot? it started after the back injections", "new_weakness_numbness"),
        ("my breath is really short and getting worse", "breathing"),
        ("the shot spot is bleding alot and it won't stop", "heavy_bleeding"),
        ("my tongue is so big since the injection and I can't swallow", "anaphylaxis"),
        ("his lips look kind of grey and he's gasping", "breathing"),
        ("took like 12 of the percs an hour ago, can't keep my eyes open", "overdose_poisoning"),
        ("no le para de sangrar la rodilla desde hace una hora", "heavy_bleeding"),
        ("mi abuelo no despierta, no consigo despertarlo", "fainting_head_injury"),
        ("ya tengo todo listo para hacerlo esta noche", "self_harm"),
        ("si me tomé 30 pastillas hace una hora ¿es grave? tengo sueño", "overdose_poisoning"),
        # a recent session or day is when a complication began, not a past that is over
        ("leg went numb after my last session and I can't lift my foot", "new_weakness_numbness"),
        ("Had PIT last week and I can't move my leg", "new_weakness_numbness"),
        # "lol" or "haha" is no joke marker: only laughing itself is
        ("cant breathe lol help", "breathing"),
        # told in the present, or still so: a later "That was ..." does not end it
        (
            "My arm is dead and I can't lift it. That was after the injection 2 weeks ago.",
            "new_weakness_numbness",
        ),
        (
            "My leg went numb after the shots. That was 2 weeks ago, it's still like that.",
            "new_weakness_numbness",
        ),
        ("my son passed out from laughing and won't wake up properly", "fainting_head_injury"),
        ("I think it's carbon monoxide poisoning and my mind is so foggy", "overdose_poisoning"),
        ("still waiting here and he's choking", "breathing"),
        ("I keep using the epipen and it's not helping", "anaphylaxis"),
        ("just used my epipen on me, what now", "anaphylaxis"),
        ("overdosed on my tablets and coffee, feel awful", "overdose_poisoning"),
        ("I think I took an overdose of caffeine pills", "overdose_poisoning"),
        ("fainted last visit and hit my head, now I keep throwing up", "fainting_head_injury"),
    ],
)
def test_how_people_type_an_emergency_is_read(detector, text, category):
    assert category in clinical_hits(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        # dated in the next sentence
        "Her lips swelled up and she couldn't breathe. That was at a wedding in 2012. Is PIT ok?",
        "He collapsed at the gym and was out cold. It happened a decade ago. Can he come in?",
        # over, by a day of the week or "last week"
        "My dad fainted last Tuesday at the pharmacy, he's fine now. Is there parking?",
        "wife passed out last visit, she was fine after. any tips for nerves?",
        "Mi hermana tuvo un desmayo en febrero, ya está bien. ¿Tienen ascensor?",
        # precautions, illnesses elsewhere and figures of speech
        "I always carry an EpiPen for peanuts, should I bring it along?",
        "I'm on antibiotics for an ear infection, can I still come Friday?",
        "Honestly choking on all these choices, knee or shoulder first?",
        "the waitlist is suffocating me, any cancellations?",
        "I nearly passed out from boredom filling in the forms lol",
        "my teenager's music is poisoning my brain, can I bring him anyway?",
        "two years clean after my overdose and I'd like to avoid opioids for my back",
    ],
)
def test_what_is_over_or_not_meant_is_not_a_red_flag(detector, text):
    assert clinical_hits(detector, text) == set()


def test_a_dropped_g_is_restored_without_moving_any_character():
    normalised = normalise_keeping_offsets("Fightin' for air, nothin' helps")
    assert normalised.text == "fighting for air, nothing helps"
    assert len(normalised.origin) == len("Fightin' for air, nothin' helps")
    # a possessive or a quote is left alone
    assert normalise_keeping_offsets("the cabin's door, 'in' quotes").text == (
        "the cabin's door, 'in' quotes"
    )


def test_shorthand_is_only_whole_tokens(detector):
    assert TEXTING_SHORTHAND["r"] == "are"
    # "rn" inside a word is not "now"; the word stays as typed
    assert detector.lexicon.token("burn")[1] == "burn"
    assert detector.lexicon.token("rn") == (detector.lexicon.key("now"), "now")


@pytest.mark.parametrize(
    "text",
    [
        "What if I get chest pain halfway through, do you stop?",
        "If I got short of breath afterwards, should I ring 999 straight off?",
        "If I ever had chest tightness after PIT would you want to know?",
    ],
)
def test_a_what_if_about_the_future_is_no_chest_or_breathing_emergency(detector, text):
    assert clinical_hits(detector, text) == set()


@pytest.mark.parametrize(
    "text, category",
    [
        # an "if" with a present state, or a time that makes it now, still counts
        ("what do i do if i cant breathe", "breathing"),
        ("If I can't breathe right now should I call 911?", "breathing"),
        ("What if I have crushing chest pain now?", "chest_cardiac"),
        ("I have chest pain and if it gets worse should I call?", "chest_cardiac"),
        ("if I got chest pain an hour ago what does that mean", "chest_cardiac"),
        ("what do I do if I had the shots today and have chest pain", "chest_cardiac"),
    ],
)
def test_an_if_that_reports_something_now_is_still_an_emergency(detector, text, category):
    assert category in clinical_hits(detector, text)
