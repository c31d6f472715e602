"""Rasa NLU component: the encoder's sentence vector as a dense sentence feature.

Why not only Rasa's LanguageModelFeaturizer: for BERT it takes the [CLS] token as the
sentence feature, but all-MiniLM-L6-v2 was trained so that the *mean* of its token
states carries the meaning; [CLS] alone was never trained for that. This component
gives DIET and the ResponseSelector the vector sentence-transformers would give, and it
uses the process-wide encoder (`load_encoder`), so the red-flag checker's semantic net
and this featurizer share one copy of the weights in the Rasa process.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.encoder.artifacts import SOURCE_DIR
from bot.settings import PROJECT_ROOT


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds one (1, 384) dense sentence feature to each message's text."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # The folder `make encoder` fills; relative paths are from the project root.
            "model_dir": str(SOURCE_DIR.relative_to(PROJECT_ROOT)),
        }

    @staticmethod
    def required_packages() -> List[Text]:
        return ["tokenizers"]

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """Nothing to check beyond the folder, which loading checks (with checksums)."""

    def __init__(self, config: Dict[Text, Any], execution_context: ExecutionContext) -> None:
        super().__init__(execution_context.node_name, config)
        from bot.encoder.model import encoder_folder, load_encoder

        self._encoder = load_encoder(encoder_folder(self._config["model_dir"]))

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEncoderFeaturizer:
        return cls(config, execution_context)

    def _add(self, message: Message, vector: "np.ndarray") -> None:
        self.add_features_to_message(None, vector.reshape(1, -1), TEXT, message)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        examples = [m for m in training_data.training_examples if m.get(TEXT)]
        vectors = self._encoder.encode_many([m.get(TEXT) for m in examples])
        for message, vector in zip(examples, vectors, strict=True):
            self._add(message, vector)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if message.get(TEXT):
                self._add(message, self._encoder.encode(message.get(TEXT)))
        return messages
