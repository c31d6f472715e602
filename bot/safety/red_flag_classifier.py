"""Rasa NLU component: a message with a red flag gets intent ``red_flag``, whatever DIET said.

Runs after DIETClassifier/ResponseSelector and before FallbackClassifier, so the rule-based
check (bot/safety/red_flags.py) has the last word on every message: "what does it cost,
also my lips are swelling" must get the emergency reply, not the price. DIET's own
``red_flag`` intent stays as a second net for phrasings the rules miss.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
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
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from spacy.tokens import Doc

from bot import intents
from bot.intent_override import override_intent
from bot.rule_component import RuleComponent
from bot.safety.catalog import Category
from bot.safety.red_flags import (
    ABOUT_SOMEONE_ELSE,
    ENTITY_ABOUT_KEY,
    RedFlagDetector,
    RedFlagHit,
    detector_for,
)
from bot.safety.semantic import ALWAYS_URGENT, URGENT, semantic_net
from bot.safety.sign_off import plain_sign_off

logger = logging.getLogger(__name__)

SPACY_DOC_KEY = "text_spacy_doc"  # where Rasa's SpacyNLP leaves the parsed message
# Below this probability from the learned head, the intent classifier's lone red_flag is
# overruled (bench/red_flag_lone_classifier.py chooses it on the development sets).
HEAD_FLOOR = 0.3


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RedFlagClassifier(RuleComponent, IntentClassifier):
    """Sets intent ``red_flag`` (confidence 1.0) and one ``red_flag`` entity per hit."""

    @classmethod
    def required_components(cls) -> List[type]:
        return []

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # classifier_alone_min_confidence: when neither the catalog nor the second net finds
        # anything, the intent classifier's own red_flag stands only this sure. Below it, it
        # was guessing from words like "swelling" or "session" (bench/results/ has the sweep:
        # 0.5 keeps every emergency it caught on the independent set).
        return {
            "intent": intents.RED_FLAG,
            "entity": intents.RED_FLAG_ENTITY,
            "semantic": True,
            "classifier_alone_min_confidence": 0.5,
            "classifier_alone_min_head_probability": HEAD_FLOOR,
        }

    def __init__(
        self, config: Optional[Dict[Text, Any]] = None, detector: Optional[RedFlagDetector] = None
    ) -> None:
        super().__init__(config)
        self._detector = detector

    def warm_up(self) -> None:
        """Compile the catalog's patterns and load the encoder now, not on a patient's first
        message."""
        self.detector.warm_up()
        if self.component_config["semantic"]:
            semantic_net()

    @property
    def detector(self) -> RedFlagDetector:
        if self._detector is None:
            self._detector = detector_for()
        return self._detector

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or not text.strip():
                continue
            try:
                hits, dismissed = self.detector.assess(text, _doc_of(message))
            except Exception:  # never let a bug here drop the message
                logger.exception("Red-flag check failed; re-reading the text without Rasa's doc.")
                hits, dismissed = self.detector.assess(text)
            if hits:
                self._mark(message, hits)
            elif dismissed:
                self._overrule_classifier(message)
            else:
                ordinary = self._second_net(message, text)
                if (
                    ordinary
                    or self._classifier_alone_unsure(message)
                    or self._told_as_over(message)
                ):
                    self._overrule_classifier(message)
        return messages

    def _told_as_over(self, message: Message) -> bool:
        """The classifier said red_flag of a past told as over ("my dad had a big heart attack
        back in 2005, he's still going strong"). Read only then: it re-reads the message."""
        intent = message.get(INTENT) or {}
        return intent.get(INTENT_NAME_KEY) == self.component_config[
            "intent"
        ] and self.detector.told_as_over(message.get(TEXT), _doc_of(message))

    def _classifier_alone_unsure(self, message: Message) -> bool:
        intent = message.get(INTENT) or {}
        return intent.get(INTENT_NAME_KEY) == self.component_config["intent"] and float(
            intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0
        ) < float(self.component_config["classifier_alone_min_confidence"])

    def _head_doubts_classifier(self, message: Message, net: Any, text: str) -> bool:
        """The intent classifier said red_flag on its own, and the learned head, which read
        thousands of emergencies and near misses, gives the message little chance of being
        one ("my arm is a little swollen where they injected"). The classifier learned
        red_flag from a few hundred examples and fires on their words; the head learned
        what separates them from near misses. Not read without a head."""
        intent = message.get(INTENT) or {}
        if intent.get(INTENT_NAME_KEY) != self.component_config["intent"]:
            return False
        probability = net.emergency_probability(text)
        if probability is None:
            return False
        floor = float(self.component_config["classifier_alone_min_head_probability"])
        if probability >= floor:
            return False
        logger.info("The lone red_flag overruled: the head gives it %.2f.", probability)
        return True

    def _second_net(self, message: Message, text: str) -> bool:
        """No catalog word matched: does the message *mean* an emergency?

        Marks the message when it does. Returns whether the intent classifier's own
        red_flag should be overruled because the message reads as ordinary:
        - it is about a symptom that is over ("the bleeding stopped"): the classifier reads
          the symptom's words, not that they are past. Only for symptoms that can be over
          (RESOLVABLE), so never for a crisis ("I can't do this anymore");
        - it is closer to a calm example ("the price almost gave me a heart attack") than to
          every emergency example. The net never flags such a message itself; without this
          the classifier alone still did, from words like "swollen", "fever" or "die"."""
        net = semantic_net() if self.component_config["semantic"] else None
        if net is None:
            return False
        try:
            verdict, closer_to_calm = net.read(text)
        except Exception:  # never let the second net drop the message
            logger.exception("Semantic red-flag check failed.")
            return False
        if verdict is None:
            return (
                closer_to_calm
                or plain_sign_off(text)
                or self._head_doubts_classifier(message, net, text)
            )
        if verdict.category in RESOLVABLE and says_it_is_over(text):
            return True
        if verdict.category in SIGN_OFF_CATEGORIES and plain_sign_off(text):
            return True  # "that's all from me, have a nice day": a goodbye, not a farewell
        if self.detector.told_as_over(text, _doc_of(message)):
            return True  # a past told as over, nothing back now: not flagged by the net
        entry = self._entry_for(verdict.category)
        if (verdict.verdict == URGENT or verdict.category in ALWAYS_URGENT) and entry:
            self._mark(message, [RedFlagHit(entry.key, entry.severity, entry.label, 0, 0, "")])
        else:
            self._mark(message, [], possible=verdict.category)
        return False

    def _entry_for(self, clinical: str) -> Optional[Category]:
        """The first English catalog entry of a clinical category (its severity: the reply)."""
        return next(
            (
                c
                for c in self.detector.catalog.categories
                if c.clinical == clinical and c.lang == "en"
            ),
            None,
        )

    def _overrule_classifier(self, message: Message) -> None:
        """The classifier said red_flag, but the rules found the term and dismissed it
        ("no redness or pus", "not bleeding anymore"): take the next most likely intent.
        FallbackClassifier runs after this and still asks when that one is unsure."""
        intent = self.component_config["intent"]
        if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) != intent:
            return
        others = [
            i for i in message.get(INTENT_RANKING_KEY) or [] if i.get(INTENT_NAME_KEY) != intent
        ]
        if not others:
            return
        message.set(INTENT, dict(others[0]), add_to_output=True)
        message.set(INTENT_RANKING_KEY, others, add_to_output=True)
        logger.info("Red-flag terms were negated or resolved; not treated as a red flag.")

    def _mark(
        self, message: Message, hits: List[RedFlagHit], possible: Optional[str] = None
    ) -> None:
        entity = self.component_config["entity"]
        # A red flag is certain: "did you mean" must not come instead of the urgent reply.
        override_intent(message, self.component_config["intent"])
        entities = list(message.get(ENTITIES) or [])
        for hit in hits:
            found: Dict[str, Any] = {
                ENTITY_ATTRIBUTE_TYPE: entity,
                ENTITY_ATTRIBUTE_VALUE: hit.key,
                ENTITY_ATTRIBUTE_START: hit.start,
                ENTITY_ATTRIBUTE_END: hit.end,
                EXTRACTOR: self.__class__.__name__,
            }
            if hit.someone_else:
                found[ENTITY_ABOUT_KEY] = ABOUT_SOMEONE_ELSE
            entities.append(found)
        if possible:
            entities.append(
                {
                    ENTITY_ATTRIBUTE_TYPE: intents.RED_FLAG_POSSIBLE_ENTITY,
                    ENTITY_ATTRIBUTE_VALUE: possible,
                    ENTITY_ATTRIBUTE_START: 0,
                    ENTITY_ATTRIBUTE_END: 0,
                    EXTRACTOR: self.__class__.__name__,
                }
            )
        message.set(ENTITIES, entities, add_to_output=True)
        logger.info(
            "Red flag(s) in message: %s",
            ", ".join(sorted({h.key for h in hits} | {possible or ""})),
        )


# "the bleeding stopped", "not swollen anymore": sentence vectors barely change when a symptom
# is over, so the second net would read these as the symptom itself. "won't stop" is not over.
# Only for symptoms that can be over; never for self-harm, breathing, chest, stroke or fainting
# ("I can't do this anymore" is a crisis, not a resolved symptom).
RESOLVABLE = frozenset({"heavy_bleeding", "infection_sepsis", "new_weakness_numbness"})
# The second net reads an ordinary goodbye as a veiled farewell (bot/safety/sign_off.py).
SIGN_OFF_CATEGORIES = frozenset({"self_harm"})
_OVER_RE = re.compile(
    r"\b(?:stopped|went away|gone away|went down|gone down|settled(?: down)?|cleared up|"
    r"subsided|healed|anymore|any more|no longer)\b"
)
_STILL_RE = re.compile(
    r"\b(?:not|never|hasn't|hasnt|hadn't|hadnt|haven't|havent|isn't|isnt|won't|wont|didn't|didnt|"
    r"doesn't|doesnt|can't|cant)\s+(?:\w+\s+)?(?:stopped|went away|gone away|went down|gone down|"
    r"settled|cleared up|subsided|healed)\b"
)


def says_it_is_over(text: str) -> bool:
    """The message says a symptom has stopped or is gone, and not that it hasn't."""
    lowered = text.lower().replace("’", "'")
    return bool(_OVER_RE.search(lowered)) and not _STILL_RE.search(lowered)


def _doc_of(message: Message) -> Optional[Doc]:
    doc = message.get(SPACY_DOC_KEY)
    return doc if isinstance(doc, Doc) else None
