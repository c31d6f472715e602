"""``copy()`` from a kept replay gives what Rasa's ``copy()`` gives (every attribute of the
tracker), after every event of long random conversations, and a change to one copy never
reaches the next."""

from __future__ import annotations

import random
from typing import Any, Callable, Dict, List

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    AllSlotsReset,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    DefinePrevUserUtteredFeaturization,
    Event,
    FollowupAction,
    LoopInterrupted,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot import applied_events, tracker_replay
from bot.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


@pytest.fixture
def installed():
    tracker_replay.install()
    applied_events.install()
    yield
    tracker_replay.uninstall()
    applied_events.uninstall()


def snapshot(tracker: DialogueStateTracker) -> Dict[str, Any]:
    """Every attribute of the tracker, event objects by identity, slots by their fields;
    the memos kept on it left out."""
    seen: Dict[str, Any] = {}
    for name, value in vars(tracker).items():
        if name.startswith("_pit_"):
            continue
        if name == "events":
            value = [id(event) for event in value]
        elif name == "slots":
            value = {key: (type(slot), vars(slot)) for key, slot in value.items()}
        elif name in ("latest_message", "latest_bot_utterance"):
            # One of the events (by position), or a placeholder of its own (by value).
            at = [i for i, event in enumerate(tracker.events) if event is value]
            own = {k: v for k, v in vars(value).items() if k != "timestamp"}  # made "now"
            value = ("event", at) if at else ("own", type(value), own)
        seen[name] = value
    return seen


def random_event(rng: random.Random, slots: List[Any]) -> Event:
    form = rng.choice(["booking_form", "callback_form"])
    slot = rng.choice(slots)
    makers: List[Callable[[], Event]] = [
        lambda: UserUttered("hi", {"name": rng.choice(["faq", "affirm"]), "confidence": 1.0}),
        lambda: ActionExecuted("action_listen"),
        lambda: ActionExecuted(rng.choice(["utter_greet", "action_answer_faq"])),
        lambda: ActionExecuted(form),
        lambda: BotUttered("answer", {"buttons": [{"title": "Yes", "payload": "/affirm"}]}),
        lambda: SlotSet(slot.name, rng.choice(["knee", ["a", "b"], None, True])),
        lambda: ActiveLoop(rng.choice([form, None])),
        lambda: ActionExecutionRejected(form),
        lambda: LoopInterrupted(rng.random() < 0.5),
        lambda: FollowupAction("utter_greet"),
        lambda: DefinePrevUserUtteredFeaturization(rng.random() < 0.5),
        lambda: ConversationPaused(),
        lambda: ConversationResumed(),
        lambda: AllSlotsReset(),
        lambda: UserUtteranceReverted(),
        lambda: ActionReverted(),
        lambda: Restarted(),
        lambda: SessionStarted(),
    ]
    weights = [18, 18, 10, 8, 8, 10, 4, 2, 2, 2, 2, 1, 1, 1, 2, 2, 1, 1]
    return rng.choices(makers, weights)[0]()


@pytest.mark.parametrize("seed", range(6))
def test_a_copy_is_rasas_copy_after_every_event(installed: None, domain: Domain, seed: int):
    rng = random.Random(seed)
    tracker = DialogueStateTracker("p", domain.slots)
    for step in range(400):
        tracker.update(random_event(rng, domain.slots))
        if rng.random() < 0.5:
            continue
        ours = tracker.copy()
        assert snapshot(ours) == snapshot(tracker_replay._rasa_copy(tracker)), step
        # The caller changes its copy (the processor adds the policy's events to it).
        ours.update(SlotSet(domain.slots[0].name, "changed"))
        if ours.active_loop_name:  # these two change the active loop in place
            ours.update(ActionExecutionRejected(ours.active_loop_name))
            ours.update(LoopInterrupted(True))
        ours.update(ActiveLoop("booking_form"))
    assert snapshot(tracker.copy()) == snapshot(tracker_replay._rasa_copy(tracker))


def test_a_copy_continues_the_kept_replay(installed: None, domain: Domain):
    tracker = DialogueStateTracker("p", domain.slots)
    tracker.update(UserUttered("hi", {"name": "greet"}))
    tracker.copy()
    replays: List[int] = []
    update = DialogueStateTracker.update

    def counting(self: DialogueStateTracker, event: Event, *args: Any) -> None:
        replays.append(1)
        update(self, event, *args)

    DialogueStateTracker.update = counting  # type: ignore[method-assign]
    try:
        tracker.events.append(ActionExecuted("utter_greet"))
        tracker.copy()
    finally:
        DialogueStateTracker.update = update  # type: ignore[method-assign]
    assert len(replays) == 1  # the one new event, not both


def test_a_tracker_whose_events_were_replaced_is_replayed_again(installed: None, domain: Domain):
    tracker = DialogueStateTracker("p", domain.slots)
    tracker.update(SlotSet(domain.slots[0].name, "knee"))
    tracker.copy()
    tracker.events.pop()
    tracker.update(SlotSet(domain.slots[0].name, "hip"))
    assert tracker.copy().get_slot(domain.slots[0].name) == "hip"


def test_the_copy_of_a_copy_is_rasas(installed: None, domain: Domain):
    tracker = DialogueStateTracker("p", domain.slots)
    for event in (UserUttered("hi", {"name": "greet"}), ActiveLoop("booking_form")):
        tracker.update(event)
    first = tracker.copy()
    first.update(ActionExecuted("booking_form"))
    assert snapshot(first.copy()) == snapshot(tracker_replay._rasa_copy(first))


def test_rasas_copy_comes_back_when_uninstalled():
    tracker_replay.install()
    tracker_replay.uninstall()
    assert DialogueStateTracker.copy is tracker_replay._rasa_copy
