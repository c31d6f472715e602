"""Sentence embeddings from the verified all-MiniLM-L6-v2 files, one message at a time.

The weights and tokenizer are the pinned upstream files `make encoder` extracts
(bot/encoder/artifacts.py); their checksums are checked before anything is loaded. The
forward pass is plain numpy (bot/encoder/forward.py), so neither TensorFlow nor
transformers is needed for it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from bot.encoder.artifacts import (
    EMBEDDING_DIM,
    LEGACY_TF_DIR_NAME,
    SOURCE_DIR,
    NotBuiltError,
    verify_sources,
)
from bot.encoder.forward import MiniLM
from bot.encoder.tokenize import load_tokenizer
from bot.settings import PROJECT_ROOT

RECENT_MESSAGES = 64
WEIGHTS_FILE = "model.safetensors"


class SentenceEncoder:
    """all-MiniLM-L6-v2 sentence vectors: mean-pooled token states, unit length.

    Cosine similarity of two vectors is their dot product.
    """

    def __init__(self, folder: Path = SOURCE_DIR, verify: bool = True) -> None:
        folder = Path(folder)
        if verify:
            verify_sources(folder)  # refuses missing or changed files before anything is loaded
        elif not (folder / WEIGHTS_FILE).is_file():
            raise NotBuiltError(f"{folder / WEIGHTS_FILE} is missing; run `make encoder`.")
        self.folder = folder
        self._tokenizer = load_tokenizer(folder / "tokenizer.json")
        self._model = MiniLM(folder / WEIGHTS_FILE)
        self._recent = lru_cache(maxsize=RECENT_MESSAGES)(self._encode_one)

    def encode(self, text: str) -> np.ndarray:
        """One message -> a (384,) float32 unit vector (read-only). The last few are kept:
        the topic's neighbour vote and the red-flag semantic net read the same message."""
        return self._recent(text)

    def _encode_one(self, text: str) -> np.ndarray:
        ids = np.asarray([self._tokenizer.encode(text).ids], dtype=np.int64)
        vector = self._model.embed(ids, np.ones_like(ids))[0]
        vector.setflags(write=False)  # shared by every caller of the cache
        return vector

    def encode_many(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Many messages -> (n, 384), in the order given (same vectors as `encode`).

        Messages are batched by length so that little of each batch is padding."""
        pieces = [self._tokenizer.encode(t).ids for t in texts]
        order = sorted(range(len(pieces)), key=lambda i: len(pieces[i]))
        out = np.zeros((len(pieces), EMBEDDING_DIM), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            width = max(len(pieces[i]) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for row, i in enumerate(rows):
                ids[row, : len(pieces[i])] = pieces[i]
                mask[row, : len(pieces[i])] = 1
            out[rows] = self._model.embed(ids, mask)
        return out

    def similarity(self, a: str, b: str) -> float:
        return float(self.encode(a) @ self.encode(b))


def encoder_folder(setting: str | Path) -> Path:
    """A component's `model_dir` setting -> the folder to load.

    Relative paths are from the project root. Models trained before the encoder ran on
    numpy name the TensorFlow folder `make encoder` no longer builds; they get the
    verified source files it was converted from, which give the same vectors."""
    folder = Path(setting)
    folder = folder if folder.is_absolute() else PROJECT_ROOT / folder
    return SOURCE_DIR if folder.name == LEGACY_TF_DIR_NAME else folder


def load_encoder(folder: str | Path = SOURCE_DIR) -> SentenceEncoder:
    """The process-wide encoder for `folder`: loaded and verified once, then shared.

    Every spelling of a folder is one folder: `load_encoder()` and
    `load_encoder(PROJECT_ROOT / "build/encoder/source")` are the same encoder. (Cached on
    the arguments as given, the red-flag net and the neighbour vote each loaded their own
    copy, about 40 MiB, and each ran the forward pass on the same message.)"""
    return _load_encoder(Path(folder).resolve())


@lru_cache(maxsize=2)
def _load_encoder(folder: Path) -> SentenceEncoder:
    return SentenceEncoder(folder)
