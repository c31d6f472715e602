"""Rasa NLU component: a message that is only a phone number or email gets intent
``share_contact``, whatever the classifier guessed.

The intent classifier never saw phone numbers or addresses (it would learn nothing
useful from them), so "maria@example.com" came out as some FAQ topic. Outside a form
the assistant now says what happens with such a message (actions/contact.py); inside a
form the message is read as the answer, as before. Runs before RedFlagClassifier, so
a red flag still wins.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import intents
from bot.bookings.contact_details import only_contact_details
from bot.intent_override import override_intent

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class ContactDetailsClassifier(GraphComponent, IntentClassifier):
    """Sets intent ``share_contact`` (confidence 1.0) on a message of contact details only."""

    @classmethod
    def required_components(cls) -> List[type]:
        return []

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # phone_region: None means clinic.yml's phone_region (read when first needed).
        return {"intent": intents.SHARE_CONTACT, "phone_region": None}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.component_config = {**self.get_default_config(), **(config or {})}
        self._region: Optional[str] = self.component_config["phone_region"]

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "ContactDetailsClassifier":
        return cls(config)

    @property
    def region(self) -> str:
        if self._region is None:
            from bot.settings import get_settings

            self._region = get_settings().phone_region
        return self._region

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to learn: phone and email rules are the booking storage's own."""
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str) and only_contact_details(text, self.region):
                self._mark(message)
        return messages

    def _mark(self, message: Message) -> None:
        override_intent(message, self.component_config["intent"])
        logger.info(
            "Message holds only contact details: intent %s.", self.component_config["intent"]
        )
