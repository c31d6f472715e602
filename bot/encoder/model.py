"""Sentence embeddings from the built TensorFlow folder, one message at a time.

Why TensorFlow and not numpy at run time: the Rasa process already has TensorFlow
loaded, so this adds only the 90 MB of weights, and the same converted folder serves
Rasa's LanguageModelFeaturizer. The forward pass is compiled once (tf.function with a
fixed input signature), so a short message costs a few milliseconds, not the ~100
Python-level Keras calls of eager mode.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from bot.encoder.artifacts import (
    EMBEDDING_DIM,
    MODEL_DIR,
    TF_WEIGHTS,
    NotBuiltError,
    verify_model_dir,
)
from bot.encoder.tokenize import load_tokenizer

RECENT_MESSAGES = 64


class SentenceEncoder:
    """all-MiniLM-L6-v2 sentence vectors: mean-pooled token states, unit length.

    Cosine similarity of two vectors is their dot product.
    """

    def __init__(self, folder: Path = MODEL_DIR, verify: bool = True) -> None:
        folder = Path(folder)
        if verify:
            verify_model_dir(folder)  # refuses changed files before anything is loaded
        elif not (folder / TF_WEIGHTS).is_file():
            raise NotBuiltError(f"{folder / TF_WEIGHTS} is missing; run `make encoder`.")
        import tensorflow as tf
        from transformers import TFBertModel
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        self.folder = folder
        self._tokenizer = load_tokenizer(folder / "tokenizer.json")
        self._model = TFBertModel.from_pretrained(str(folder), local_files_only=True)
        spec = tf.TensorSpec([None, None], tf.int32)
        self._forward = tf.function(self._pooled, input_signature=[spec, spec])
        self._recent = lru_cache(maxsize=RECENT_MESSAGES)(self._encode_one)

    def _pooled(self, ids: Any, mask: Any) -> Any:
        import tensorflow as tf

        states = self._model(input_ids=ids, attention_mask=mask, training=False).last_hidden_state
        weights = tf.cast(mask, states.dtype)[:, :, None]
        summed = tf.reduce_sum(states * weights, axis=1)
        mean = summed / tf.maximum(tf.reduce_sum(weights, axis=1), 1e-9)
        return tf.math.l2_normalize(mean, axis=1, epsilon=1e-12)

    def encode(self, text: str) -> np.ndarray:
        """One message -> a (384,) float32 unit vector (read-only). The last few are kept:
        the topic's neighbour vote and the red-flag semantic net read the same message."""
        return self._recent(text)

    def _encode_one(self, text: str) -> np.ndarray:
        ids = np.asarray([self._tokenizer.encode(text).ids], dtype=np.int32)
        vector = self._forward(ids, np.ones_like(ids)).numpy()[0]
        vector.setflags(write=False)  # shared by every caller of the cache
        return vector

    def encode_many(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Many messages -> (n, 384), batched with padding (same vectors as `encode`)."""
        rows = []
        for start in range(0, len(texts), batch_size):
            encodings = [self._tokenizer.encode(t).ids for t in texts[start : start + batch_size]]
            width = max(len(ids) for ids in encodings)
            ids = np.zeros((len(encodings), width), dtype=np.int32)
            mask = np.zeros_like(ids)
            for row, pieces in enumerate(encodings):
                ids[row, : len(pieces)] = pieces
                mask[row, : len(pieces)] = 1
            rows.append(self._forward(ids, mask).numpy())
        return np.concatenate(rows) if rows else np.zeros((0, EMBEDDING_DIM), np.float32)

    def similarity(self, a: str, b: str) -> float:
        return float(self.encode(a) @ self.encode(b))


@lru_cache(maxsize=2)
def load_encoder(folder: Path = MODEL_DIR) -> SentenceEncoder:
    """The process-wide encoder for `folder`: loaded and verified once, then shared."""
    return SentenceEncoder(Path(folder))
