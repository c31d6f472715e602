"""DIET and the ResponseSelector without the token-level text features they cannot use.

With no transformer layers, no entity recognition and no masked language model, Rasa 3.6's
DIETClassifier and ResponseSelector read one position of the user text: the last one, where
the sentence-level features sit (``_last_token``). Every token position goes through the
feed-forward block alone, so nothing from the tokens reaches that position. Rasa still
builds a sparse-to-dense kernel for the token-level (sequence) features, as wide as the
sentence one: 14,153 x 128 floats in DIET and 14,153 x 512 in the selector on our data,
updated by Adam at every training step for nothing. (Rasa itself drops token-level features
in this case, but only for label attributes, in ``_extract_features``.) Without them: the
same confidences to the last bit, 38 MiB less in the Rasa server and 0.83x the NLU training
time (bench/results/server-memory-pit-b4414c85db92-2026-12-05.md,
bench/results/training-time-sentence-level-2026-12-05.md).

These subclasses give the text one token-level feature instead, a constant 1 per token,
so the token positions, lengths and masks stay exactly as Rasa builds them and the kernel is
1 x d. Rasa's ``RasaSequenceLayer`` needs some token-level feature, so none is not an option.
Any setting that does read tokens (transformer layers, entity recognition, masked language
model) or dense text features keeps Rasa's own features untouched.

Rasa's recipe validator looks for the exact ``ResponseSelector`` class, so it would warn
that our response examples go unused; that one warning is silenced here.
"""

from __future__ import annotations

import warnings
from typing import Any, Dict, List, Optional, Text

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.nlu.selectors.response_selector import ResponseSelector
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.tensorflow.constants import (
    ENTITY_RECOGNITION,
    EPOCHS,
    MASKED_LM,
    NUM_TRANSFORMER_LAYERS,
    SEQUENCE,
)
from rasa.utils.tensorflow.model_data import FeatureArray, RasaModelData

warnings.filterwarnings(
    "ignore",
    message=r"You have defined training data with examples for training a response selector",
    category=UserWarning,
)

TOKEN_FEATURE_WIDTH = 1
# The key Rasa's recipe adds to a trainable component's config when fine-tuning.
FINETUNING_EPOCH_FRACTION = "finetuning_epoch_fraction"


def reads_tokens(config: Dict[Text, Any]) -> bool:
    """Whether a DIET-style model with ``config`` uses token-level text features at all."""
    layers = config[NUM_TRANSFORMER_LAYERS]
    layers = layers.get(TEXT, 0) if isinstance(layers, dict) else layers
    return bool(layers) or bool(config[ENTITY_RECOGNITION]) or bool(config[MASKED_LM])


def narrow_token_features(model_data: RasaModelData) -> bool:
    """Replace the text's sparse token-level features by one constant column, in place.

    Returns False (and changes nothing) when there is nothing to narrow or the text also
    has dense token-level features (narrowing those would change the sentence path)."""
    arrays: List[FeatureArray] = model_data.data.get(TEXT, {}).get(SEQUENCE, [])
    if not arrays or any(not a.is_sparse for a in arrays):
        return False
    if all(a.units == TOKEN_FEATURE_WIDTH for a in arrays) and len(arrays) == 1:
        return False  # already narrow
    ones = np.empty(len(arrays[0]), dtype=object)
    for i, tokens in enumerate(arrays[0]):
        ones[i] = scipy.sparse.coo_matrix(np.ones((tokens.shape[0], TOKEN_FEATURE_WIDTH)))
    model_data.data[TEXT][SEQUENCE] = [FeatureArray(ones, number_of_dimensions=3)]
    if TEXT in model_data.sparse_feature_sizes:
        model_data.sparse_feature_sizes[TEXT][SEQUENCE] = [TOKEN_FEATURE_WIDTH]
    return True


class _SentenceLevelText:
    """Mixin for DIETClassifier subclasses: narrow the text's token-level features."""

    component_config: Dict[Text, Any]

    def _create_model_data(
        self,
        training_data: List[Message],
        label_id_dict: Optional[Dict[Text, int]] = None,
        label_attribute: Optional[Text] = None,
        training: bool = True,
    ) -> RasaModelData:
        model_data = super()._create_model_data(  # type: ignore[misc]
            training_data, label_id_dict, label_attribute, training
        )
        if not reads_tokens(self.component_config):
            narrow_token_features(model_data)
        return model_data


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER,
        DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR,
    ],
    is_trainable=True,
)
class SentenceLevelDIETClassifier(_SentenceLevelText, DIETClassifier):
    """Rasa's DIETClassifier, without the token-level text kernel it cannot use."""

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "SentenceLevelDIETClassifier":
        """When fine-tuning (the studio's quick training), start from nothing with the full
        epochs: fine-tuned, the intent classifier lost emergencies that full trainings of
        the same content kept (docs/handover/README.md, session 40). Only the answer
        selector fine-tunes."""
        if not execution_context.is_finetuning:
            return super().load(config, model_storage, resource, execution_context, **kwargs)
        fraction = float(config.get(FINETUNING_EPOCH_FRACTION) or 1.0)
        fresh = {**config, EPOCHS: round(config[EPOCHS] / fraction)}
        fresh.pop(FINETUNING_EPOCH_FRACTION, None)
        instance = cls(fresh, model_storage, resource, execution_context)
        instance.finetune_mode = False
        return instance


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class SentenceLevelResponseSelector(_SentenceLevelText, ResponseSelector):
    """Rasa's ResponseSelector, without the token-level text kernel it cannot use."""
