"""Understated emergencies and their look-alikes (issue 9, round of 2026-12-05).

A blind development set of understated emergencies (``tests/safety/dev/
blind_understated_2026_12_05.yml``) showed kinds of message the catalog did not know: a
heaviness under the breastbone, heartburn with a cold sweat, working to get air in, a
faint told as "came to on the floor", affairs sorted and the pills saved up, a goodbye
text and then silence, a drink taken by mistake for juice, numbness climbing to the
waist. Each rule is tested here on new sentences written for the rule, never on the
development set's own. Beside them: the near misses the same set showed ("I don't want to
die or anything", a past told as over, a "sugar overdose", a habit of many tablets).
"""

from __future__ import annotations

import pytest

from bot.safety.red_flags import RedFlagDetector
from tests.unit.safety.conftest import clinical_hits


@pytest.mark.parametrize(
    "text, category",
    [
        # a misspelling with one letter doubled, or vowels swapped by sound
        ("my lipps are getting huge since the shots", "anaphylaxis"),
        ("the throte feels like its closing since the jabs", "anaphylaxis"),
        # the breastbone is the chest; heartburn or a heavy left arm with a sweat
        ("there's a heaviness behind my breastbone and I'm clammy", "chest_cardiac"),
        ("sternum feels crushed, been 20 minutes", "chest_cardiac"),
        ("indigestion that won't budge and now I'm in a cold sweat", "chest_cardiac"),
        ("his left arm feels dead and heavy and he's gone all sweaty", "chest_cardiac"),
        ("dad keeps rubbing his chest and looks grey", "chest_cardiac"),
        ("her heart is flipping about and she's really dizzy", "chest_cardiac"),
        ("siento un peso en el pecho desde hace rato", "chest_cardiac"),
        # working for each breath, worse and worse, cannot lie flat
        ("I'm having to fight to get air into my lungs", "breathing"),
        ("mum is getting more short of breath every hour", "breathing"),
        ("can't lie down flat at all or I can't breathe", "breathing"),
        ("I have to lean forward on the sink to breathe", "breathing"),
        ("it's like drowning on dry land", "breathing"),
        # sudden loss of sight, a side gone clumsy, words not understood
        ("just lost all the vision in my right eye", "stroke"),
        ("my left side has gone clumsy and useless", "stroke"),
        ("grandpa suddenly can't understand anything we say", "stroke"),
        ("veo doble desde hace media hora", "stroke"),
        # came round on the floor; a knock to the head with one pupil bigger
        ("woke up on the kitchen floor with no idea how I got there", "fainting_head_injury"),
        ("no idea how long he was out for", "fainting_head_injury"),
        ("she collapsed in the hall and now she's not responding", "fainting_head_injury"),
        ("bumped his hed on the table and one pupil looks bigger", "fainting_head_injury"),
        # affairs sorted, pills saved, a goodbye then silence, a lethal amount asked about
        ("I've settled my affairs and I'm ready", "self_harm"),
        ("been saving up all the tramadol for weeks", "self_harm"),
        ("I feel at peace with what happens tonight", "self_harm"),
        ("my friend messaged goodbye last night and now she isn't replying", "self_harm"),
        ("is enough morphine going to let me just slip away", "self_harm"),
        ("mi hijo me mandó un mensaje de despedida", "self_harm"),
        ("hoy me despido de todos", "self_harm"),
        # something drunk by mistake; many of each; Spanish "overdid" and "about ten"
        ("my son drank the cleaner thinking it was lemonade", "overdose_poisoning"),
        ("took maybe 15 of each of my pain pills", "overdose_poisoning"),
        ("me pasé con las pastillas y estoy muy mareado", "overdose_poisoning"),
        ("se tomó como quince pastillas", "overdose_poisoning"),
        # a mouth filling with blood; legs weaker since the injection; numbness climbing
        ("since the tooth came out my mouth keeps filling up with blood", "heavy_bleeding"),
        # "gone through" is used up, not "gone" away
        (
            "his mouth keeps filling with blood, we've gone through a whole roll of kitchen paper",
            "heavy_bleeding",
        ),
        ("since the back injection my legs are getting weaker", "new_weakness_numbness"),
        ("after the shots I'm hanging on to the furniture to walk", "new_weakness_numbness"),
        ("the numbness has crept up to my hips", "new_weakness_numbness"),
        ("ascending numbness in both legs", "new_weakness_numbness"),
        # "normal for me", then a question that says it is worse now: still a red flag
        (
            "I'm breathless with my COPD, that's normal for me. It's much worse today, can I come?",
            "breathing",
        ),
    ],
)
def test_an_understated_emergency_is_read(
    detector: RedFlagDetector, text: str, category: str
) -> None:
    assert category in clinical_hits(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        # a denial of wanting to die, a past told as over, someone else's past
        "I don't want to die, I just want my knee to stop hurting",
        "I wanted to end my life when I was in my 20s, that was long ago and I'm doing well now",
        "My uncle took his own life years ago. I want to look after my own health, what is PIT?",
        # "no issues since" settles an old knock to the head
        "Concussed at school rugby, no problems since. Can I have PIT on my neck?",
        # breathless "as usual" for someone with a lung condition, asking about the visit
        "I have emphysema and get breathless on hills, that's normal for me. Can I lie down?",
        # figures of speech
        "the kids are on a sugar high after the party, can they come to my appointment?",
        "I almost fainted when I saw how well I slept last night",
        # a habit of many tablets, not a dose taken now
        "Dad takes a handful of tablets every morning, does he keep them the same on the day?",
        # a general question about getting short of breath later
        "What if I get short of breath after the session?",
    ],
)
def test_a_look_alike_is_not_read_as_an_emergency(detector: RedFlagDetector, text: str) -> None:
    assert detector.detect(text) == []
