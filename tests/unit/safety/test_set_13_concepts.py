"""Veiled and understated emergencies of the kinds development sets 13 and 14
(tests/safety/dev/blind_2026_12_13.yml, blind_2026_12_14.yml) showed the catalog missing,
and the near misses they showed it flagging. Each is a concept, never one sentence: every
sentence here is new, written for these tests.

Self-harm: not around "to need it" much longer, going quietly, resting for good, a passive
wish for a crash or a heart that gives out, love said "one last time" (a final time is no
past), the car running in the garage, pills kept back, up on the roof now, locked in and
cutting, a cut or a burn again, tapping out, the method picked, decided how I'm going out,
a goodbye for good then a phone off, a note written and a drive to the quarry, "yeet
myself", the bridge after work, a rope "not for camping", in front of a numbered train;
in Spanish, pills kept aside for tonight and a cut again. Other categories: "X, normal?"
after a symptom, "is it normal for the bleeding to soak through", "since" in Spanish
("desde que"), "your doctor did my neck", half a face that won't smile, a few words
without stopping for air, a swig of bleach, an injection spot gushing.

Near misses: a relative's suicide or overdose long ago ("my elder brother", "me old man",
"uncle's suicide in '98", "died by suicide"), well now in other words ("doing alright",
"6 yrs clean", "stable for a decade"), denied thoughts misspelt, the intake form's or the
policy's questions about suicide, a haircut again, a means of payment, the bridge club,
throwing oneself off a cliff "with this insurance company".

Set 14: "intend to end things", a knife at hand and a vein asked about, a quarry "up" the
road, "ctb", sleep "permanantly", a nap with the rest of the pills, "pills taken. bye", home
to the Lord, to be with a parent who died, walking into the water, Jamaican "deh pon di
bridge" and "done wid dis life", a car parked at the cliffs, how high the balcony is, not
needing them after tonight; "blooding", blood "like a tap", a chest "like someone's standing
on it", lost count of the pills. Near misses: choking on tea laughing, a policy question
about patients with thoughts of self-harm, a nose running like a tap.

Punctuation said to voice typing ("period", "question mark") ends a sentence where the
patient ended it (bot/safety/text.py), but "my period" stays a word."""

from __future__ import annotations

from typing import Dict, List, Tuple

import pytest

from bot.safety.text import normalise_keeping_offsets
from tests.unit.safety.conftest import by_kind, clinical_hits

SELF = "self_harm"
WEAK = "new_weakness_numbness"

EMERGENCIES: Dict[str, List[Tuple[str, str]]] = {
    "veiled: not around, going quietly, resting for good": [
        ("don't bother with a reminder, I'm not going to be around to use it much longer", SELF),
        ("everything is settled and I mean to go quietly tonight", SELF),
        ("it's time I rested for good, I think you understand", SELF),
    ],
    "passive wishes: a crash, a heart that gives out": [
        ("part of me hopes a truck hits me on the drive in", SELF),
        ("every night I lie there praying my heart just gives out", SELF),
        ("keep wishing for an accident to happen on the motorway", SELF),
    ],
    "goodbyes: one last time, for good, a phone off": [
        ("dad rang to say he loves me one last time and now he's not picking up", SELF),
        ("my sister posted goodbye for good on her story an hour ago", SELF),
        ("he texted sorry to everyone and now his phone is switched off", SELF),
    ],
    "means ready: the garage, pills kept back, a roof, a rope": [
        ("sat in the garage, door shut, car engine running", SELF),
        ("I've been keeping back my oxy for weeks for tonight", SELF),
        ("I'm up on the roof at work right now and I can't do this", SELF),
        ("got a rope from the hardware store and it isn't for the garden", SELF),
    ],
    "self-harm now: cut or burnt again, locked in and cutting": [
        ("cut again last night and it's still oozing", SELF),
        ("relapsed this week, burned my arm with a lighter", SELF),
        ("my son has locked himself in his room and he's cutting, there is blood", SELF),
        ("how do I clean the place where I cut today without my mum seeing?", SELF),
        ("ninety days clean and I just cut myself again", SELF),
    ],
    "a plan: the method, how I'm going out, the day figured out": [
        ("I've picked my method and I'm at peace with it", SELF),
        ("I know how I'm going to do it now", SELF),
        ("I have it all planned out, I'll do it friday after work", SELF),
        ("nerve pain wins, I'm tapping out for good", SELF),
    ],
    "dark jokes and places: yeet, the bridge, a train": [
        ("gonna yeet myself off the multistorey lol", SELF),
        ("heading to the bridge after this, bye", SELF),
        ("easier to just walk in front of the 6:40 train tomorrow", SELF),
    ],
    "Spanish: pills kept aside, a cut again": [
        ("tengo guardadas mis pastillas para dormir desde hace un mes", "self_harm"),
        ("pienso tomármelas todas esta noche", "self_harm"),
        ("se volvió a cortar mi hija y no para de sangrar", "self_harm"),
    ],
    "other categories, understated or asked": [
        ("tongue swelling up after the jabs, normal?", "anaphylaxis"),
        ("is it normal for the blood to soak through the gauze like this?", "heavy_bleeding"),
        ("desde que me inyectaron el cuello no siento el brazo derecho", WEAK),
        ("the doctor did my lower back this morning and my legs won't hold me", WEAK),
        ("one side of my face won't smile and my words are slurred", "stroke"),
        ("can't say three words without stopping for breath", "breathing"),
        ("my kid took a swig of the drain cleaner", "overdose_poisoning"),
        ("the injection site is gushing and won't slow down", "heavy_bleeding"),
    ],
    "set 14: intent, means at hand, places, slang": [
        ("I fully intend to end it all this weekend, thanks for trying", SELF),
        ("got a kitchen knife right here next to me tonight", SELF),
        ("how deep is the main vein in the wrist roughly", SELF),
        ("heading up to the quarry tonight, don't wait up", SELF),
        ("ctb tonight, sorry everyone", SELF),
        ("I'm going to sleep permanantly, it's decided", SELF),
        ("gonna have a long nap with all my oxy tonight", SELF),
        ("I'm ready to go on home to the Lord tonight", SELF),
        ("she says she'll be with her mum who passed away, and she took the car", SELF),
        ("I'll walk into the sea until I can't feel anything", SELF),
        ("mi deh pon di bridge right now", SELF),
        ("mi done wid dis life", SELF),
        ("parked at the edge of the cliff, just sitting here", SELF),
        ("he asked how high the balcony is and if the fall would be quick", SELF),
        ("won't need them after tonight, please cancel", SELF),
    ],
    "set 14: bleeding, chest, pills lost count": [
        ("the blooding from my knee shot wont stop at all", "heavy_bleeding"),
        ("it's coming out of my arm like a tap where they jabbed me", "heavy_bleeding"),
        ("chest feels like something heavy is sitting on it, sweaty", "chest_cardiac"),
        ("lost count of my tramadol today and I'm very drowsy", "overdose_poisoning"),
        ("meds taken. goodbye", "overdose_poisoning"),
    ],
    "dictated punctuation": [
        ("no fever period My arm is red hot and spreading period", "infection_sepsis"),
        ("I don't have chest pain period I can't breathe period", "breathing"),
    ],
}

NEAR_MISSES: Dict[str, List[str]] = {
    "someone else's death or overdose long ago": [
        "My older sister committed suicide in 2009. I'm doing alright now.",
        "Lost me old man to suicide back in '95, doing fine meself, just for your form",
        "my aunt died by suicide when I was small, the form asked about family history",
        "cousin's overdose, 2012. family history only",
    ],
    "well now, in other words": [
        "used to self harm as a teen, 8 yrs clean now, is PIT fine for me?",
        "an overdose ten years ago, stable for a decade now, any issue with the shots?",
    ],
    "denied thoughts, questions about the form or a policy": [
        "no thots of self harm, just sick of this shoulder",
        "I'm not having any thoughts of ending my life, only tired of the pain",
        "why does the intake questionnaire ask about suicide?",
        "what is your policy for patients who have had suicidal thoughts before?",
    ],
    "a haircut, payment, the bridge club, a figure of speech": [
        "got my hair cut again today, will the neck shots be ok?",
        "what's your method of payment, can I use HSA?",
        "heading to the bridge club after this, bye",
        "I could throw myself off a cliff with this insurance company, any tips on the appeal?",
        "see you one last time on Friday, my knee is healed!",
    ],
    "set 14: laughter, a policy, a runny nose": [
        "almost choked on my coffee laughing at your newsletter",
        "what happens if a patient says they have thoughts of self-harm during a visit?",
        "my nose has been running like a tap all week with this cold",
    ],
    "dictated punctuation: a past told over, a period that is a word": [
        "I self harmed years ago period I have been well for a decade period Is PIT ok "
        "question mark",
        "my period is heavy this month, can I still have the shots?",
    ],
}


@pytest.mark.parametrize("kind, text, category", by_kind(EMERGENCIES))
def test_veiled_and_understated_emergencies_are_read(detector, kind, text, category):
    assert category in clinical_hits(detector, text), (kind, text)


@pytest.mark.parametrize("kind, text", by_kind(NEAR_MISSES))
def test_their_near_misses_are_not_reports(detector, kind, text):
    assert not detector.detect(text), (kind, text)


@pytest.mark.parametrize(
    "said, read",
    [
        ("years ago period I am fine", "years ago .      i am fine"),
        ("is that normal question mark", "is that normal ?            "),
        ("my period is late", "my period is late"),  # a word after "my"
        ("a waiting period of a week", "a waiting period of a week"),
        ("period pain since the shots", "period pain since the shots"),  # no new sentence
    ],
)
def test_punctuation_said_to_voice_typing_is_read_as_the_mark(said, read):
    normalised = normalise_keeping_offsets(said)
    assert normalised.text == read
    # every character still points back at the patient's own words
    assert len(normalised.text) == len(said)
    assert normalised.original_span(0, len(read)) == (0, len(said))
