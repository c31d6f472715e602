"""Rasa NLU components of our own understanding layer (config.yml runs them in this order).

- ``FuzzyConditionExtractor``, after SpacyEntityExtractor: condition and body-part names
  with typos the ruler's patterns miss ("siatica", "planter fasitis"): bot/nlp/fuzzy.py.
- ``UnderstandingGate``, after the red-flag check and before FallbackClassifier: the final
  word on three kinds of message the classifiers get wrong (issue 14):
  another language -> ``other_language``; another treatment and not PIT ->
  ``ask_other_treatment``; a named condition asked about, stated or just typed ->
  ``faq/condition_help`` (or the diagnosis disclaimer for a real diagnosis request).
  A red flag is never overruled: emergencies come first, in any language.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, FrozenSet, Iterator, List, Optional, Text, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot import intents
from bot.conversation.personal_details import details_in_request
from bot.intent_override import RESPONSE_SELECTOR_KEY, override_faq_topic, override_intent
from bot.intents import BODY_PART_ENTITY as BODY_PART_LABEL
from bot.intents import CONDITION_ENTITY as CONDITION_LABEL
from bot.nlp.booking_words import asks_to_book
from bot.nlp.condition_routing import (
    CONDITION_TOPIC,
    asks_for_prescription,
    route_to_condition,
    states_pain,
    tells_of_condition,
)
from bot.nlp.fuzzy import Token, get_fuzzy_names
from bot.nlp.language import get_language_check
from bot.nlp.other_treatments import get_other_treatment_check
from bot.rule_component import RuleComponent

logger = logging.getLogger(__name__)

TOKENS_KEY = "text_tokens"  # where Rasa's tokenizers leave the message's tokens
FAQ = intents.FAQ
CONDITION_LABELS = (CONDITION_LABEL, BODY_PART_LABEL)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class FuzzyConditionExtractor(RuleComponent, EntityExtractorMixin):
    """Adds condition/body-part entities for close misspellings of catalog names."""

    def warm_up(self) -> None:
        get_fuzzy_names()  # build the name index now, not on a patient's first message

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            tokens = [Token(t.text, t.start, t.end) for t in message.get(TOKENS_KEY) or []]
            if not tokens:
                continue
            entities = list(message.get(ENTITIES) or [])
            taken = [(e[ENTITY_ATTRIBUTE_START], e[ENTITY_ATTRIBUTE_END]) for e in entities]
            for hit in get_fuzzy_names().find(tokens, taken):
                entities.append(
                    {
                        ENTITY_ATTRIBUTE_TYPE: hit.label,
                        ENTITY_ATTRIBUTE_VALUE: hit.value,
                        ENTITY_ATTRIBUTE_START: hit.start,
                        ENTITY_ATTRIBUTE_END: hit.end,
                        "confidence_entity": round(hit.score / 100, 3),
                        EXTRACTOR: self.__class__.__name__,
                    }
                )
            message.set(ENTITIES, entities, add_to_output=True)
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class UnderstandingGate(RuleComponent, IntentClassifier):
    """Final intent decisions for other languages, other treatments and named conditions."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "other_language_intent": intents.OTHER_LANGUAGE,
            "other_treatment_intent": intents.ASK_OTHER_TREATMENT,
            "detect_language": True,
        }

    def warm_up(self) -> None:
        if self.component_config["detect_language"]:
            get_language_check().warm_up()  # load lingua's models at start-up
        get_other_treatment_check()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or not text.strip() or text.startswith("/"):
                continue  # empty, or a button payload such as /ask_topic{...}
            try:
                self._decide(message, text)
            except Exception:  # never let a bug here drop the message
                logger.exception("Understanding gate failed; keeping the classifiers' decision.")
        return messages

    def _decide(self, message: Message, text: str) -> None:
        intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY) or ""
        if intent == intents.RED_FLAG:
            return
        config = self.component_config
        if config["detect_language"] and get_language_check().is_foreign(text):
            _set_intent(message, config["other_language_intent"])
            return
        if asks_for_prescription(text):
            # Never a prescription from the assistant, whatever topic its words looked like.
            _set_intent(message, intents.ASK_DIAGNOSIS)
            return
        # "had a knee replacement and it still hurts", "physio says I have golfer's elbow,
        # still sore after months of exercises": about the patient's condition, not a
        # question about the other treatment.
        about_condition = _pain_after_procedure(message, text) or bool(
            _condition_chars(message) and tells_of_condition(text.lower())
        )
        if intent == intents.ASK_OTHER_TREATMENT and about_condition:
            _set_intent(message, FAQ)
            _set_faq_topic(message, CONDITION_TOPIC)
            return
        if intent == intents.ASK_OTHER_TREATMENT and get_other_treatment_check().names_pit(text):
            # "tried gabapentin and duloxetine, would PIT let me stay off tablets?": about PIT
            # alongside other care, so the FAQ topic the selector picked, when it has one.
            intent = _next_choice(message, intent, NEXT_CHOICES_FOR_PIT)
        if intent in (FAQ, intents.OUT_OF_SCOPE) and books_with_details(text):
            # "I'm Sam Lee, sam@example.org, I'd like to book": no FAQ question, whatever
            # topic the name and address looked like; the form reads the details from it.
            _set_intent(message, intents.BOOK_CONSULTATION)
            return
        if intent == intents.BOOK_CONSULTATION and not asks_to_book(text):
            intent = _next_choice(message, intent)
        topic = _faq_topic(message) if intent == FAQ else None
        if intent in (FAQ, intents.OUT_OF_SCOPE):  # ask_diagnosis already points to their doctor
            if get_other_treatment_check().should_decline(text, topic) and not about_condition:
                _set_intent(message, config["other_treatment_intent"])
                return
        entity_chars = _condition_chars(message)
        if not entity_chars:
            return
        predicted = f"{FAQ}/{topic}" if topic else intent
        routed = route_to_condition(text, predicted, entity_chars)
        if routed and (routed != predicted or routed == intents.ASK_DIAGNOSIS):
            if routed.startswith(FAQ + "/"):
                _set_intent(message, FAQ)
                _set_faq_topic(message, routed)
            else:
                _set_intent(message, routed)


# What a booking guess without booking words may become: answers, never a red flag (only the
# red-flag checks raise one), a form or a reply to our own question.
NEXT_CHOICES_FOR_BOOKING = frozenset(
    {FAQ, intents.OUT_OF_SCOPE, intents.CLINIC_INFO, intents.HUMAN_HANDOFF}
)


# What a decline of another treatment becomes when the message names PIT: the FAQ answer
# the selector picked (measured on tests/nlu/dev/styles_dev3.yml: the diagnosis reply as a
# second choice gained nothing).
NEXT_CHOICES_FOR_PIT = frozenset({FAQ})


def _next_choice(
    message: Message, intent: str, choices: FrozenSet[str] = NEXT_CHOICES_FOR_BOOKING
) -> str:
    """The classifier's next intent after ``intent`` if it is one of ``choices``, made
    certain (an FAQ topic needs the selector's pick); ``intent`` itself otherwise."""
    ranking = [i.get(INTENT_NAME_KEY) for i in message.get(INTENT_RANKING_KEY) or []]
    name = next((n for n in ranking if n and n != intent), None)
    if name not in choices or (name == FAQ and not _faq_topic(message)):
        return intent
    _set_intent(message, str(name))
    return str(name)


def books_with_details(text: str) -> bool:
    """A booking request that comes with the patient's email address or phone number, read
    as the booking form will read them (actions/booking/prefill.py)."""
    return asks_to_book(text) and bool(details_in_request(text))


def _pain_after_procedure(message: Message, text: str) -> bool:
    """ "Had a knee replacement and it still hurts": the procedure is part of a condition the
    clinic lists (pain after surgery), and the patient speaks of that pain, not of the
    procedure, so the condition answer fits, not "ask your surgeon about that"."""
    lowered = text.lower()
    procedure = get_other_treatment_check().named_treatment(lowered)
    if not procedure or not states_pain(lowered):
        return False
    return any(procedure in lowered[start:end] for start, end in _condition_spans(message))


def _condition_spans(message: Message) -> Iterator[Tuple[int, int]]:
    """(start, end) of each condition entity the entity ruler found in the message."""
    for entity in message.get(ENTITIES) or []:
        if entity.get(ENTITY_ATTRIBUTE_TYPE) in CONDITION_LABELS:
            yield (
                int(entity.get(ENTITY_ATTRIBUTE_START, 0)),
                int(entity.get(ENTITY_ATTRIBUTE_END, 0)),
            )


def _condition_chars(message: Message) -> int:
    """How many characters of the message name a condition (routing weighs by it)."""
    return sum(end - start for start, end in _condition_spans(message))


def _selector(message: Message) -> Dict[str, Any]:
    return (message.get(RESPONSE_SELECTOR_KEY) or {}).get(FAQ) or {}


def _faq_topic(message: Message) -> Optional[str]:
    key = ((_selector(message).get("response") or {}).get("intent_response_key")) or ""
    return key.split("/", 1)[1] if key.startswith(FAQ + "/") else None


def _set_intent(message: Message, name: str) -> None:
    """Make ``name`` the certain intent (FallbackClassifier then leaves it alone)."""
    override_intent(message, name)
    logger.info("Understanding gate: intent set to %s.", name)


def _set_faq_topic(message: Message, key: str) -> None:
    """Make ``faq/<topic>`` the response selector's pick (actions read intent_response_key)."""
    override_faq_topic(message, key, FAQ)
