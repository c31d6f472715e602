"""Self-harm, bleeding and overdose told in new ways, and their look-alikes (issue 9, round
of 2026-12-06).

Two blind development sets (``tests/safety/dev/blind_selfharm_bleeding_2026_12_05.yml`` and
``blind_mixed_2026_12_05.yml``) showed kinds of message the catalog did not know: a wrist
slashed, a goodbye to everyone, "I won't be around by then", a question asked "because I
plan to", the courage to jump, a train stepped in front of, goodbyes said with pills at
hand, a nose that "won't quit", a report opening with "been" ("been throwing up blood") read
as a question. And denials it read as a crisis: "no thoughts of self harm", "not thinking of
suicide", "didn't want to wake up early". Each rule is tested on new sentences written for
the rule, never on the development sets' own.
"""

from __future__ import annotations

import pytest

from bot.safety.red_flags import RedFlagDetector
from tests.unit.safety.conftest import clinical_hits


@pytest.mark.parametrize(
    "text, category",
    [
        # a cut made now; a goodbye to everyone; not around by then
        ("I slit my wrists in the shower", "self_harm"),
        ("he has sliced his arms open", "self_harm"),
        ("bye everyone, thanks for trying", "self_harm"),
        ("don't bother booking me in, I won't be around by then", "self_harm"),
        ("I'm ending everything tonight", "self_harm"),
        # a question that is really a plan; a note to be read after
        ("how many would stop a heart? asking because I'm planning to", "self_harm"),
        ("by the time you see this I will be gone", "self_harm"),
        # a height, a train, the courage found
        ("I'm working up the nerve to jump", "self_harm"),
        ("thinking of walking in front of the next train", "self_harm"),
        ("she rang me from the bridge and hung up", "self_harm"),
        ("put all my affairs in order today", "self_harm"),
        ("my dad said his goodbyes and told me to look after mum", "self_harm"),
        ("honestly I don't even want to be alive", "self_harm"),
        ("he's locked himself in and will stop eating until he dies", "self_harm"),
        ("sitting in the bathroom with a blade", "self_harm"),
        ("I plan to swallow them all after dinner", "self_harm"),
        # Spanish: a cut, a goodbye, not here by then, spelling by sound
        ("acabo de cortarme las venas", "self_harm"),
        ("adiós para siempre", "self_harm"),
        ("no voy a estar aquí para entonces, gracias por todo", "self_harm"),
        ("kiero matarme", "self_harm"),
        # too many, spelt as heard; five or more at once; twelve of the packet
        ("i took to many of my nerve pills", "overdose_poisoning"),
        ("swallowed 7 tramadol at once", "overdose_poisoning"),
        ("she's taken 14 of her sleeping tablets", "overdose_poisoning"),
        ("he took some benzos at the party and he's unresponsive", "overdose_poisoning"),
        ("mi padre se tomó un frasco entero de pastillas", "overdose_poisoning"),
        # a report opening with "been"; a nose that won't quit; a spot that spurts
        ("been coughing up blood since lunch", "heavy_bleeding"),
        ("been throwing up blood", "heavy_bleeding"),
        ("my nose won't quit, it's been ages", "heavy_bleeding"),
        ("the injection spot is spurting blood", "heavy_bleeding"),
        ("three tea towels are soaked now", "heavy_bleeding"),
        # bleeding through pressure, steadily for a time, ongoing, pooling (on a blood thinner,
        # the blood-thinner FAQ once answered these)
        ("my knee spot has been bleeding steadily for 25 minutes now", "heavy_bleeding"),
        ("the injection site is bleeding even with pressure, I'm on warfarin", "heavy_bleeding"),
        ("ongoing bleeding from the jab on my wrist, I take eliquis", "heavy_bleeding"),
        ("there's blood pooling under my arm from the shot", "heavy_bleeding"),
        # numb where you sit; breath not caught; an inhaler doing nothing
        ("since the back jab I've lost feeling between my legs", "new_weakness_numbness"),
        ("I can't catch my breath at all", "breathing"),
        ("wheezing and my inhaler is doing nothing", "breathing"),
    ],
)
def test_a_new_way_of_telling_it_is_read(
    detector: RedFlagDetector, text: str, category: str
) -> None:
    assert category in clinical_hits(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        # denied thoughts and feelings
        "no thoughts of suicide, just very tired of this hip",
        "I've never had thoughts of hurting myself, the nurse asked",
        "I'm not thinking of ending it, don't worry, just fed up",
        "Not feeling like ending things or anything like that, only sore",
        # a time of day, not a wish to die
        "I don't want to wake up at 6 for the early slot, anything later?",
        # a bleed that stopped under pressure
        "it bled a little even with pressure but stopped after a minute",
        # a figure of speech; a holiday
        "I'd rather die than queue at that pharmacy again",
        "I won't be around next week, we're on holiday, can we move it?",
        # Spanish: something else "will kill me"; stopping treatment, not living
        "este calor me va a matar",
        "ya no quiero seguir con las inyecciones, no me ayudan",
    ],
)
def test_a_look_alike_is_not_read_as_an_emergency(detector: RedFlagDetector, text: str) -> None:
    assert detector.detect(text) == []
