"""An independent forward pass of all-MiniLM-L6-v2 in plain numpy, from the safetensors.

Why it exists: the TensorFlow folder is made by renaming and transposing 100-odd arrays.
A mistake there (a kernel not transposed, two layers swapped) still gives vectors, just
wrong ones. This module reads the original PyTorch-layout weights and follows the BERT
equations directly, sharing no code with transformers or TensorFlow, so agreement with
`SentenceEncoder` to ~1e-5 shows the conversion is right. It is slow-ish and used by the
build step's self-check and by the tests, not at run time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Sequence

import numpy as np
from scipy.special import erf

from bot.encoder.artifacts import SOURCE_DIR

NUM_LAYERS = 6
NUM_HEADS = 12
LAYER_NORM_EPS = 1e-12


def load_weights(folder: Path = SOURCE_DIR) -> Dict[str, np.ndarray]:
    """All float arrays, in float64 so the reference itself adds no rounding to speak of."""
    from safetensors.numpy import load_file

    raw = load_file(str(folder / "model.safetensors"))
    return {k: v.astype(np.float64) for k, v in raw.items() if v.dtype.kind == "f"}


def _layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + LAYER_NORM_EPS) * gamma + beta


def _linear(x: np.ndarray, w: Dict[str, np.ndarray], name: str) -> np.ndarray:
    # PyTorch layout: weight is (out_features, in_features).
    return x @ w[f"{name}.weight"].T + w[f"{name}.bias"]


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


def _softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(-1, keepdims=True)


def token_states(weights: Dict[str, np.ndarray], ids: Sequence[int]) -> np.ndarray:
    """Last hidden states (n_tokens, 384) for one sequence of word-piece ids (no padding)."""
    w = weights
    id_array = np.asarray(ids)
    n = len(id_array)
    x = (
        w["embeddings.word_embeddings.weight"][id_array]
        + w["embeddings.position_embeddings.weight"][:n]
        + w["embeddings.token_type_embeddings.weight"][0]
    )
    x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    head = x.shape[1] // NUM_HEADS
    for i in range(NUM_LAYERS):
        p = f"encoder.layer.{i}"

        def heads(t: np.ndarray) -> np.ndarray:
            return t.reshape(n, NUM_HEADS, head).transpose(1, 0, 2)  # (heads, n, head)

        q = heads(_linear(x, w, f"{p}.attention.self.query"))
        k = heads(_linear(x, w, f"{p}.attention.self.key"))
        v = heads(_linear(x, w, f"{p}.attention.self.value"))
        attention = _softmax(q @ k.transpose(0, 2, 1) / np.sqrt(head))
        context = (attention @ v).transpose(1, 0, 2).reshape(n, -1)
        attended = _layer_norm(
            _linear(context, w, f"{p}.attention.output.dense") + x,
            w[f"{p}.attention.output.LayerNorm.weight"],
            w[f"{p}.attention.output.LayerNorm.bias"],
        )
        hidden = _gelu(_linear(attended, w, f"{p}.intermediate.dense"))
        x = _layer_norm(
            _linear(hidden, w, f"{p}.output.dense") + attended,
            w[f"{p}.output.LayerNorm.weight"],
            w[f"{p}.output.LayerNorm.bias"],
        )
    return x


def sentence_embedding(weights: Dict[str, np.ndarray], ids: Sequence[int]) -> np.ndarray:
    """Mean of the token states, L2-normalised (sentence-transformers' recipe)."""
    pooled = token_states(weights, ids).mean(0)
    return (pooled / np.linalg.norm(pooled)).astype(np.float32)


def encode(texts: Sequence[str], folder: Path = SOURCE_DIR) -> np.ndarray:
    """Embeddings (len(texts), 384) straight from the verified source folder."""
    from bot.encoder.tokenize import load_tokenizer

    tokenizer = load_tokenizer(folder / "tokenizer.json")
    weights = load_weights(folder)
    rows: List[np.ndarray] = [sentence_embedding(weights, tokenizer.encode(t).ids) for t in texts]
    return np.stack(rows)
