"""RulePolicy over the turns its rules can see (bot/rule_window.py, with bot/applied_events.py
and bot/tracker_replay.py) predicts exactly what Rasa's own RulePolicy predicts: the trained
policy of the model, on long conversations that follow its own predictions most of the time
and do something random otherwise (other intents, slots, forms, reverts, restarts), compared
at every prediction."""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any, Iterator, List, Optional, Tuple

import pytest
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot import applied_events, rule_window, tracker_replay
from bot.model_store import ensure_model

TURNS = 260
# Every prediction is compared up to this turn (across the window's edge), then every
# seventh turn: Rasa's own policy costs more with each turn.
COMPARE_ALL_UNTIL = 40


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Tuple[RulePolicy, Domain]:
    pinned = os.environ.get("PIT_TEST_MODEL")
    model = Path(pinned) if pinned else ensure_model()
    storage, metadata = LocalModelStorage.from_model_archive(
        tmp_path_factory.mktemp("storage"), model
    )
    node = next(n for n in metadata.predict_schema.nodes.values() if n.uses is RulePolicy)
    context = ExecutionContext(metadata.predict_schema, metadata.model_id)
    config = {**RulePolicy.get_default_config(), **node.config}
    policy = RulePolicy.load(config, storage, node.resource, context)
    return policy, metadata.domain


def predict(policy: RulePolicy, tracker: DialogueStateTracker, domain: Domain, windowed: bool):
    """Ours (the rule window, with the applied events and the replays each continued from
    what the tracker keeps), or Rasa's own code throughout."""
    if windowed:
        rule_window.install()
        applied_events.install()
        tracker_replay.install()
    try:
        return policy._predict(tracker, domain)
    finally:
        rule_window.uninstall()
        applied_events.uninstall()
        tracker_replay.uninstall()


def same(
    a: Tuple[PolicyPrediction, Optional[str]],
    b: Tuple[PolicyPrediction, Optional[str]],
    policy: RulePolicy,
) -> bool:
    (ours, our_source), (rasas, rasa_source) = a, b
    fields = (
        "probabilities",
        "events",
        "is_end_to_end_prediction",
        "is_no_user_prediction",
        "hide_rule_turn",
    )
    if any(getattr(ours, f) != getattr(rasas, f) for f in fields):
        return False
    # A matched rule is named the same; with no rule, Rasa names the states it saw instead.
    if rasa_source in policy.lookup[RULES] or our_source in policy.lookup[RULES]:
        return our_source == rasa_source
    return True


def random_value(slot: Any, rng: random.Random) -> Any:
    kind = type(slot).__name__
    if kind == "BooleanSlot":
        return rng.choice([True, False, None])
    if kind == "CategoricalSlot":
        return rng.choice(list(slot.values) + [None])
    if kind == "FloatSlot":
        return rng.choice([0.0, 1.0, None])
    return rng.choice(["knee", "Ana", "555 0100", None])


def conversation(
    policy: RulePolicy, domain: Domain, seed: int
) -> Iterator[Tuple[int, DialogueStateTracker]]:
    """Trackers at each point the processor would ask for a prediction."""
    rng = random.Random(seed)
    intents = sorted(domain.intents)
    slots = [s for s in domain.slots if not s.name.startswith("clinic_")] or domain.slots
    tracker = DialogueStateTracker("rule-window", domain.slots)
    tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
    for turn in range(TURNS):
        intent = rng.choice(intents)
        tracker.update(UserUttered(f"message {turn}", {"name": intent, "confidence": 1.0}))
        for _ in range(rng.randint(0, 1)):
            slot = rng.choice(slots)
            tracker.update(SlotSet(slot.name, random_value(slot, rng)))
        for _step in range(4):
            yield turn, tracker
            prediction, _ = policy._predict(tracker, domain)
            action = domain.action_names_or_texts[prediction.max_confidence_index]
            if rng.random() < 0.15:
                action = rng.choice(domain.action_names_or_texts)
            tracker.update(ActionExecuted(action, policy="RulePolicy"))
            for event in prediction.events:
                tracker.update(event)
            if action in domain.form_names and rng.random() < 0.7:
                tracker.update(ActiveLoop(action))
            elif tracker.active_loop_name and rng.random() < 0.2:
                tracker.update(ActiveLoop(None))
            if action == ACTION_LISTEN_NAME:
                break
        else:
            tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
        roll = rng.random()
        extra: List[Event] = []
        if roll < 0.04:
            extra = [UserUtteranceReverted()]
        elif roll < 0.07:
            extra = [ActionReverted()]
        elif roll < 0.075:
            extra = [Restarted(), ActionExecuted(ACTION_LISTEN_NAME)]
        for event in extra:
            tracker.update(event)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_windowed_rule_policy_predicts_what_rasas_does(trained, seed: int):
    policy, domain = trained
    window = rule_window.rule_window(policy)
    assert 2 <= window < 40, window
    compared = matched_rules = 0
    for turn, tracker in conversation(policy, domain, seed):
        if turn >= COMPARE_ALL_UNTIL and turn % 7:
            continue
        ours = predict(policy, tracker, domain, windowed=True)
        rasas = predict(policy, tracker, domain, windowed=False)
        assert same(ours, rasas, policy), (turn, ours, rasas)
        compared += 1
        matched_rules += rasas[1] in policy.lookup[RULES]
    # Long enough to leave the window far behind, and rules did match along the way.
    assert compared > 100
    assert matched_rules > compared // 4


def rule_events(states: List[dict]) -> Optional[List[Event]]:
    """Events whose last states are ``states`` (a rule's), or None for a rule this cannot
    write (slot conditions, or a conversation start)."""
    events: List[Event] = []
    loop: Optional[str] = None
    for state in states:
        if "slots" in state or "prev_action" not in state:
            return None
        wanted = (state.get("active_loop") or {}).get("name")
        wanted = None if wanted == "should_not_be_set" else wanted
        if wanted != loop:
            events.append(ActiveLoop(wanted))
            loop = wanted
        action = state["prev_action"].get("action_name")
        if action is None:
            return None
        events.append(ActionExecuted(action))
        intent = (state.get("user") or {}).get("intent")
        if action == ACTION_LISTEN_NAME:
            events.append(UserUttered("rule", {"name": intent or "greet", "confidence": 1.0}))
    return events


def test_every_rule_after_a_long_conversation_predicts_what_rasas_does(trained):
    """Each rule written out after 60 turns, as it is and with its first turn changed:
    a window shorter than the longest rule would accept some changed ones."""
    policy, domain = trained
    prefix = None
    for turn, tracker in conversation(policy, domain, seed=5):
        if turn == 60:
            prefix = list(tracker.events)
            break
    assert prefix
    rng = random.Random(11)
    written = 0
    for table in (RULES, RULES_FOR_LOOP_UNHAPPY_PATH):
        for key in policy.lookup[table]:
            events = rule_events(policy._rule_key_to_state(key))
            if events is None:
                continue
            written += 1
            first = next(i for i, e in enumerate(events) if isinstance(e, ActionExecuted))
            changed = list(events)
            changed[first] = ActionExecuted(
                rng.choice(["utter_greet", "action_answer_faq", "action_handoff"])
            )
            for variant in (events, changed):
                tracker = DialogueStateTracker.from_events("rules", prefix + variant, domain.slots)
                ours = predict(policy, tracker, domain, windowed=True)
                rasas = predict(policy, tracker, domain, windowed=False)
                assert same(ours, rasas, policy), (key, variant is changed, ours, rasas)
    assert written > len(policy.lookup[RULES]) // 2


def test_states_are_the_last_of_rasas(trained):
    policy, domain = trained
    for turn, tracker in conversation(policy, domain, seed=9):
        if turn % 11:
            continue
        full = tracker.past_states(domain)
        for count in (1, 3, 8, len(full) + 5):
            assert rule_window.recent_states(tracker, domain, count) == full[-count:]
            # Asked again about the same events: the kept answer, as a copy the caller
            # may change (the policy deletes the last state's text or intent).
            again = rule_window.recent_states(tracker, domain, count)
            assert again == full[-count:]
            again[-1].clear()
            assert rule_window.recent_states(tracker, domain, count) == full[-count:]
        if turn > 120:
            break
