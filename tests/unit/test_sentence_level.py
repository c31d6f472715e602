"""DIET and the ResponseSelector without the token-level text kernel (bot/nlp/sentence_level.py).

The narrowing must keep every token position, length and mask, touch nothing else, and
apply only when no part of the model reads tokens. The last test trains Rasa's DIET and
ours on the same small data with the same seed: the token-level kernel feeds nothing, so
every confidence must be the same.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import pytest
import scipy.sparse
from rasa.shared.nlu.constants import TEXT
from rasa.utils.tensorflow.constants import SENTENCE, SEQUENCE, SEQUENCE_LENGTH
from rasa.utils.tensorflow.model_data import FeatureArray, RasaModelData

from bot.nlp.sentence_level import (
    TOKEN_FEATURE_WIDTH,
    narrow_token_features,
    reads_tokens,
)


def _sparse(rows: List[int], width: int, seed: int) -> FeatureArray:
    rng = np.random.default_rng(seed)
    values = np.empty(len(rows), dtype=object)
    for i, n in enumerate(rows):
        values[i] = scipy.sparse.coo_matrix(rng.integers(0, 2, size=(n, width)).astype(float))
    return FeatureArray(values, number_of_dimensions=3)


def _model_data(dense_tokens: bool = False) -> RasaModelData:
    tokens = [3, 5, 1]
    data: Dict[str, Dict[str, List[FeatureArray]]] = {
        TEXT: {
            SEQUENCE: [_sparse(tokens, 40, 1), _sparse(tokens, 25, 2)],
            SENTENCE: [_sparse([1, 1, 1], 65, 3)],
        }
    }
    if dense_tokens:
        dense = np.empty(3, dtype=object)
        for i, n in enumerate(tokens):
            dense[i] = np.ones((n, 8), dtype=np.float32)
        data[TEXT][SEQUENCE].append(FeatureArray(dense, number_of_dimensions=3))
    model_data = RasaModelData(data=data)
    model_data.add_lengths(TEXT, SEQUENCE_LENGTH, TEXT, SEQUENCE)
    model_data.add_sparse_feature_sizes({TEXT: {SEQUENCE: [40, 25], SENTENCE: [40, 25]}})
    return model_data


def test_token_features_become_one_constant_column_with_every_position_kept():
    model_data = _model_data()
    sentence_before = model_data.data[TEXT][SENTENCE]
    lengths_before = model_data.data[TEXT][SEQUENCE_LENGTH][0].copy()

    assert narrow_token_features(model_data) is True

    (tokens,) = model_data.data[TEXT][SEQUENCE]
    assert tokens.is_sparse and tokens.units == TOKEN_FEATURE_WIDTH
    assert [m.shape for m in tokens] == [(3, 1), (5, 1), (1, 1)]
    assert all((m.toarray() == 1).all() for m in tokens)
    assert model_data.data[TEXT][SENTENCE] is sentence_before  # the sentence path untouched
    assert np.array_equal(model_data.data[TEXT][SEQUENCE_LENGTH][0], lengths_before)
    assert model_data.get_sparse_feature_sizes()[TEXT] == {SEQUENCE: [1], SENTENCE: [40, 25]}
    assert model_data.number_of_units(TEXT, SEQUENCE) == 1
    assert narrow_token_features(model_data) is False  # already narrow: nothing to do


def test_dense_token_features_are_left_alone():
    model_data = _model_data(dense_tokens=True)
    before = list(model_data.data[TEXT][SEQUENCE])
    assert narrow_token_features(model_data) is False
    assert model_data.data[TEXT][SEQUENCE] == before
    assert narrow_token_features(RasaModelData()) is False


@pytest.mark.parametrize(
    "layers, entities, masked_lm, expected",
    [
        (0, False, False, False),
        (2, False, False, True),
        ({"text": 1, "label": 0}, False, False, True),
        ({"text": 0, "label": 0}, False, False, False),
        (0, True, False, True),
        (0, False, True, True),
    ],
)
def test_only_models_that_never_read_tokens_are_narrowed(layers, entities, masked_lm, expected):
    config = {
        "number_of_transformer_layers": layers,
        "entity_recognition": entities,
        "use_masked_language_model": masked_lm,
    }
    assert reads_tokens(config) is expected


TRAIN = [
    ("how many sessions will i need", "sessions"),
    ("number of treatments for my knee", "sessions"),
    ("how often do people come back", "sessions"),
    ("does the injection hurt", "pain"),
    ("is it painful", "pain"),
    ("will the needle sting a lot", "pain"),
    ("what is it exactly", "what_is"),
    ("explain the treatment to me", "what_is"),
    ("what do you inject", "what_is"),
]
ASK = ["how many visits", "does it sting", "what is this therapy", "knee", "", "ouch sessions"]


class _Pipeline:
    """Whitespace tokens and char n-gram counts trained on TRAIN in a model storage under
    ``folder``, and a seeded 8-epoch config for a DIET-style ``component_class``."""

    def __init__(self, component_class, folder: Path) -> None:
        from rasa.engine.graph import ExecutionContext, GraphSchema
        from rasa.engine.storage.local_model_storage import LocalModelStorage
        from rasa.engine.storage.resource import Resource
        from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
            CountVectorsFeaturizer,
        )
        from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
        from rasa.shared.nlu.constants import INTENT
        from rasa.shared.nlu.training_data.message import Message
        from rasa.shared.nlu.training_data.training_data import TrainingData

        folder.mkdir()
        self.storage = LocalModelStorage(folder)
        self.context = ExecutionContext(GraphSchema({}), "test")
        self.tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
        self.featurizer = CountVectorsFeaturizer.create(
            {**CountVectorsFeaturizer.get_default_config(), "analyzer": "char_wb", "max_ngram": 3},
            self.storage,
            Resource("featurizer"),
            self.context,
        )
        self.data = TrainingData([Message(data={TEXT: t, INTENT: i}) for t, i in TRAIN])
        self.tokenizer.process_training_data(self.data)
        self.featurizer.train(self.data)
        self.featurizer.process_training_data(self.data)
        self.config = {
            **component_class.get_default_config(),
            "epochs": 8,
            "number_of_transformer_layers": 0,
            "entity_recognition": False,
            "random_seed": 7,
        }

    def rankings(self, classifier) -> list:
        """Every ASK text's intent ranking from ``classifier``."""
        from rasa.shared.nlu.training_data.message import Message

        messages = [Message(data={TEXT: t}) for t in ASK]
        self.tokenizer.process(messages)
        self.featurizer.process(messages)
        classifier.process(messages)
        return [[(r["name"], r["confidence"]) for r in m.get("intent_ranking")] for m in messages]


def _rankings(component_class, tmp_path) -> Tuple[list, int]:
    """Train ``component_class`` (seeded, 8 epochs) on TRAIN, then rank every ASK text.
    Also returns the rows of the text's token-level sparse-to-dense kernel."""
    from rasa.engine.storage.resource import Resource

    pipeline = _Pipeline(component_class, tmp_path / component_class.__name__)
    classifier = component_class.create(
        pipeline.config, pipeline.storage, Resource("classifier"), pipeline.context
    )
    classifier.train(pipeline.data)
    rankings = pipeline.rankings(classifier)
    (kernel,) = [
        w for w in classifier.model.weights if "sparse_to_dense.text_sequence/kernel" in w.name
    ]
    return rankings, int(kernel.shape[0])


def test_without_the_token_kernel_diet_gives_the_same_confidences(tmp_path):
    from rasa.nlu.classifiers.diet_classifier import DIETClassifier

    from bot.nlp.sentence_level import SentenceLevelDIETClassifier

    rasa, rasa_rows = _rankings(DIETClassifier, tmp_path)
    ours, our_rows = _rankings(SentenceLevelDIETClassifier, tmp_path)
    assert rasa_rows > 100 and our_rows == TOKEN_FEATURE_WIDTH
    assert {r[0][0] for r in rasa} == {"sessions", "pain", "what_is"}  # it learned something
    assert ours == rasa  # the same to the last bit


def test_when_fine_tuning_the_intent_classifier_trains_from_nothing_with_full_epochs(tmp_path):
    """The studio's quick training fine-tunes the answer selector only: our DIET, loaded to
    fine-tune, is a fresh model with the configured epochs, and trains to exactly what a
    training from nothing gives (fine-tuned, it lost emergencies: docs/handover, session 40)."""
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.resource import Resource

    from bot.nlp.sentence_level import FINETUNING_EPOCH_FRACTION, SentenceLevelDIETClassifier

    pipeline = _Pipeline(SentenceLevelDIETClassifier, tmp_path / "storage")
    storage, config, rankings = pipeline.storage, pipeline.config, pipeline.rankings
    resource = Resource("classifier")
    first = SentenceLevelDIETClassifier.create(config, storage, resource, pipeline.context)
    first.train(pipeline.data)
    from_nothing = rankings(first)

    finetuning = ExecutionContext(GraphSchema({}), "test", is_finetuning=True)
    quick = {**config, "epochs": 2, FINETUNING_EPOCH_FRACTION: 0.25}  # as Rasa's recipe sets it
    loaded = SentenceLevelDIETClassifier.load(quick, storage, resource, finetuning)
    assert loaded.model is None and not loaded.finetune_mode
    assert loaded.component_config["epochs"] == 8
    loaded.train(pipeline.data)
    assert rankings(loaded) == from_nothing  # to the last bit: a training from nothing

    plain = SentenceLevelDIETClassifier.load(config, storage, resource, pipeline.context)
    assert plain.model is not None and rankings(plain) == from_nothing  # ordinary loading
