"""RulePolicy's prediction states for the turns a rule can see, not for the whole conversation.

Rasa 3.6's ``RulePolicy`` predicts from ``tracker.past_states``: one state per turn of the
conversation, each built by ``Domain.get_active_state`` (slots, loop, last action, last
message). It does this twice per prediction (once from the message's text, once from its
intent) and several times per message, so a message at turn 400 builds thousands of states.
In a 400-turn profile that was the largest single cost of a late turn
(bench/results/long-conversation-2026-12-03.md).

Yet a rule can only look back as many turns as it is long: ``RulePolicy._is_rule_applicable``
accepts every rule at a turn index past the rule's length, and each state depends only on
the tracker at its own turn (the policy uses neither ``omit_unset_slots`` nor rule-only
turn hiding). So the last N states, N being the longest rule, give the same rules, the same
prediction and the same ``hide_rule_turn`` as all of them. Here the events are still
replayed from the start (the tracker at each turn needs them), but states are built only
for those last N turns. tests/integration/test_rule_window.py compares every prediction
with Rasa's own on long, random conversations.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.core.featurizers.tracker_featurizers import MaxHistoryTrackerFeaturizer
from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import ActionExecuted
from rasa.shared.core.trackers import DialogueStateTracker

from bot import tracker_replay

# The last states built for a tracker, kept on it: (what they were built from, states).
_MEMO_ATTRIBUTE = "_pit_recent_states"
# The replay of the applied events up to the window's first turn, kept on the tracker.
_REPLAY_ATTRIBUTE = "_pit_rule_window_replay"
# The longest rule, cached per policy: (the rule tables it was measured on, their sizes, N).
_WINDOW_ATTRIBUTE = "_pit_rule_window"


def rule_window(policy: RulePolicy) -> int:
    """How many of the latest turns any of the policy's rules can look at."""
    tables = tuple(policy.lookup.get(name) or {} for name in (RULES, RULES_FOR_LOOP_UNHAPPY_PATH))
    measured_on = tuple((id(table), len(table)) for table in tables)
    cached: Optional[Tuple[Any, int]] = getattr(policy, _WINDOW_ATTRIBUTE, None)
    if cached is not None and cached[0] == measured_on:
        return cached[1]
    longest = max(
        (len(policy._rule_key_to_state(key)) for table in tables for key in table), default=0
    )
    setattr(policy, _WINDOW_ATTRIBUTE, (measured_on, longest))
    return longest


def recent_states(tracker: DialogueStateTracker, domain: Domain, count: int) -> List[State]:
    """The last ``count`` of ``tracker.past_states(domain)``, built only for those turns.

    The policy asks twice per prediction (the message as text, then as intent) about the
    same tracker: the second answer is a copy of the first. States depend only on the
    events, which a tracker only ever appends to, so the number of events and the identity
    of the last one tell whether they are still the same."""
    events = tracker.events
    key = (len(events), id(events[-1]) if events else None, id(domain), count)
    memo = tracker.__dict__.get(_MEMO_ATTRIBUTE)
    if memo is not None and memo[0] == key:
        return copy.deepcopy(memo[1])
    states = _build_recent_states(tracker, domain, count)
    tracker.__dict__[_MEMO_ATTRIBUTE] = (key, copy.deepcopy(states))
    return states


def _build_recent_states(tracker: DialogueStateTracker, domain: Domain, count: int) -> List[State]:
    """Replay the applied events (the tracker at each turn needs them all), but build a
    state only at the last ``count`` turns: building states was the cost, not replaying.
    The replay up to the first of those turns is kept on the tracker and continued at the
    next message (bot/tracker_replay.py); the turns themselves are replayed on a clone."""
    applied = tracker.applied_events()
    starts = [index for index, event in enumerate(applied) if isinstance(event, ActionExecuted)]
    first = len(starts) + 1 - count  # the first turn (counted from 0) that gets a state
    begin = starts[first] if 0 <= first < len(starts) else (0 if first < 0 else len(applied))
    kept = tracker_replay.advanced(
        tracker.__dict__.get(_REPLAY_ATTRIBUTE), applied, begin, tracker.init_copy
    )
    tracker.__dict__[_REPLAY_ATTRIBUTE] = kept
    replay = tracker_replay.clone(kept[1])
    states: List[State] = []
    for event in applied[begin:]:
        if isinstance(event, ActionExecuted):
            states.append(domain._clean_state(domain.get_active_state(replay)))
        replay.update(event)
    states.append(domain._clean_state(domain.get_active_state(replay)))
    return states


def windowed_prediction_states(
    self: RulePolicy,
    tracker: DialogueStateTracker,
    domain: Domain,
    use_text_for_last_user_input: bool = False,
    rule_only_data: Optional[Dict[Text, Any]] = None,
) -> List[State]:
    """``RulePolicy._prediction_states`` over the turns its rules can see.

    Falls back to Rasa's own for a featurizer that is not the policy's standard one
    (a ``max_history`` would cut the states differently)."""
    featurizer = self.featurizer
    if type(featurizer) is not MaxHistoryTrackerFeaturizer or featurizer.max_history:
        return _rasa_prediction_states(
            self, tracker, domain, use_text_for_last_user_input, rule_only_data
        )
    # Rasa's MaxHistoryTrackerFeaturizer.prediction_states with ignore_rule_only_turns and
    # ignore_action_unlikely_intent off (RulePolicy is not an ML policy) and no max_history:
    # states, then the last user input as text or as intent.
    trackers_as_states = [recent_states(tracker, domain, max(rule_window(self), 1))]
    featurizer._choose_last_user_input(trackers_as_states, use_text_for_last_user_input)
    return trackers_as_states[0]


_rasa_prediction_states: Any = RulePolicy._prediction_states


def install() -> None:
    """Make every RulePolicy build its prediction states over its rules' window."""
    RulePolicy._prediction_states = windowed_prediction_states


def uninstall() -> None:
    """Rasa's own states again (for tests and benchmarks that compare)."""
    RulePolicy._prediction_states = _rasa_prediction_states
