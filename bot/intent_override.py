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


RESPONSE_SELECTOR_KEY = "response_selector"


def override_faq_topic(message: Message, key: str, retrieval_intent: str = "faq") -> None:
    """Make ``key`` (``faq/<topic>``) the response selector's certain pick: actions read its
    ``intent_response_key`` and send that topic's texts."""
    selectors = dict(message.get(RESPONSE_SELECTOR_KEY) or {})
    selector = dict(selectors.get(retrieval_intent) or {})
    response = dict(selector.get("response") or {})
    response.update({"intent_response_key": key, "utter_action": f"utter_{key}", "confidence": 1.0})
    response.pop("responses", None)  # the old topic's texts; the action sends the new topic
    ranking = [r for r in selector.get("ranking") or [] if r.get("intent_response_key") != key]
    selector["response"] = response
    selector["ranking"] = [{"intent_response_key": key, "confidence": 1.0}] + ranking
    selectors[retrieval_intent] = selector
    message.set(RESPONSE_SELECTOR_KEY, selectors, add_to_output=True)
