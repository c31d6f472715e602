"""Set a message's intent for certain, as our rule-based Rasa NLU components do.

RedFlagClassifier (a red flag) and PersonalDetailsClassifier (a name, phone or email) know
the answer from rules, not from a model: the intent gets confidence 1.0 and every other
intent 0.0 (keeping their order), so FallbackClassifier, which runs after them, does not
see two close intents and ask "did you mean ...?".
"""

from __future__ import annotations

from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
)
from rasa.shared.nlu.training_data.message import Message


def override_intent(message: Message, intent: str) -> None:
    """Make ``intent`` the message's intent with confidence 1.0, the others 0.0."""
    certain = {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: 1.0}
    others = [
        {**item, PREDICTED_CONFIDENCE_KEY: 0.0}
        for item in message.get(INTENT_RANKING_KEY) or []
        if item.get(INTENT_NAME_KEY) != intent
    ]
    message.set(INTENT, certain, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [certain] + others, add_to_output=True)
