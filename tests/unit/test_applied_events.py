"""The continued ``applied_events`` gives Rasa's own answer after every event of long,
random conversations: forms that run, are rejected, deactivate and come back, reverted
turns, restarts and new sessions."""

from __future__ import annotations

import random
from typing import Callable, List

import pytest
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    DefinePrevUserUtteredFeaturization,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot import applied_events

FORMS = ["booking_form", "callback_form"]


def _random_event(rng: random.Random, forms: List[str]) -> Event:
    """One event of the kinds that change what applies, weighted like a conversation."""
    form = rng.choice(forms)
    makers: List[Callable[[], Event]] = [
        lambda: UserUttered("hi", {"name": rng.choice(["faq", "affirm", "deny"])}),
        lambda: ActionExecuted("action_listen"),
        lambda: ActionExecuted(rng.choice(["utter_faq", "action_ask_name"])),
        lambda: ActionExecuted(form),
        lambda: ActiveLoop(form),
        lambda: ActiveLoop(None),
        lambda: ActionExecutionRejected(form),
        lambda: SlotSet("name", rng.choice(["Ann", None])),
        lambda: BotUttered("answer"),
        lambda: DefinePrevUserUtteredFeaturization(rng.random() < 0.5),
        lambda: UserUtteranceReverted(),
        lambda: ActionReverted(),
        lambda: Restarted(),
        lambda: SessionStarted(),
    ]
    weights = [20, 20, 12, 12, 3, 3, 2, 6, 8, 2, 2, 2, 1, 1]
    return rng.choices(makers, weights)[0]()


def _rasa(tracker: DialogueStateTracker) -> List[Event]:
    return applied_events._rasa_applied_events(tracker)


@pytest.fixture
def installed():
    applied_events.install()
    yield
    applied_events.uninstall()


@pytest.mark.parametrize("seed", range(12))
def test_the_same_events_as_rasa_after_every_event(installed: None, seed: int):
    rng = random.Random(seed)
    tracker = DialogueStateTracker("p", [])
    forms = FORMS[:1]
    for step in range(600):
        if step == 300:
            forms = FORMS  # a second form appears late: the walk starts over
        tracker.update(_random_event(rng, forms))
        if rng.random() < 0.6:  # sometimes several events are added between two asks
            ours = tracker.applied_events()
            theirs = _rasa(tracker)
            assert len(ours) == len(theirs)
            assert all(a is b for a, b in zip(ours, theirs, strict=True)), step


def test_each_answer_is_a_new_list(installed: None):
    tracker = DialogueStateTracker("p", [])
    tracker.update(UserUttered("hi", {"name": "greet"}))
    first = tracker.applied_events()
    first.clear()
    assert len(tracker.applied_events()) == 1


def test_a_tracker_whose_events_were_replaced_is_walked_again(installed: None):
    tracker = DialogueStateTracker("p", [])
    for _ in range(3):
        tracker.update(UserUttered("hi", {"name": "greet"}))
    assert len(tracker.applied_events()) == 3
    tracker.events.pop()
    tracker.update(ActionExecuted("utter_greet"))
    assert tracker.applied_events() == _rasa(tracker)
    tracker.events = tracker._create_events([UserUttered("new", {"name": "greet"})])
    assert tracker.applied_events() == _rasa(tracker)


def test_rasas_walk_comes_back_when_uninstalled():
    applied_events.install()
    applied_events.uninstall()
    assert DialogueStateTracker.applied_events is applied_events._rasa_applied_events
