"""The run-time forward pass of all-MiniLM-L6-v2: float32 numpy, batched, masked.

Why numpy and not TensorFlow: the model is six small BERT layers. Loaded through
transformers' TFBertModel it added about 330 MiB to the Rasa process and 5 s to its start
(importing transformers, building Keras layers, tracing a tf.function); as plain arrays it
added about 140 MiB (the 87 MiB of weights, the tokenizer, BLAS buffers) and loads in a fifth
of a second, and a message takes no longer (`make bench-encoder`). The word table, 45 MiB of
the weights, is now mapped from the verified file rather than copied: a message reads a few
of its rows, and the Rasa server holds 60 MiB less (`python bench/server_memory.py
--before-env PIT_ENCODER_WORDS_IN_MEMORY=1`, bench/results/server-memory-*). `bot.encoder.reference`
is the slow float64 twin written straight from the BERT equations; the tests hold this one
to it.

Speed-ups over the reference, none of which changes the maths: the query, key and value
projections are one matrix product; weights are stored (in, out) and contiguous; GELU's
erf uses Abramowitz & Stegun 7.1.26 (absolute error below 6e-7 in float32; the sentence
vectors stay within 1e-5 of the float64 reference) instead of scipy's float32 erf, which
was the slowest step; padded positions are masked out of attention and of the mean.
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path
from typing import BinaryIO, Dict, List, Tuple

import numpy as np

WORDS_IN_MEMORY_ENV = "PIT_ENCODER_WORDS_IN_MEMORY"
NUM_LAYERS = 6
NUM_HEADS = 12
LAYER_NORM_EPS = 1e-12
# Added to the attention scores of padded positions: exp() of it is exactly 0.
MASKED = np.float32(-1e9)

# Abramowitz & Stegun 7.1.26: erf(x) = 1 - t(a1 + t(a2 + ...)) exp(-x^2), t = 1/(1 + p|x|).
_P = np.float32(0.3275911)
_A = tuple(
    np.float32(a) for a in (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)
)


def erf(x: np.ndarray) -> np.ndarray:
    """Error function, vectorised in float32 (|error| < 6e-7)."""
    ax = np.abs(x)
    t = 1.0 / (1.0 + _P * ax)
    poly = _A[4]
    for a in (_A[3], _A[2], _A[1], _A[0]):
        poly = poly * t + a
    y = 1.0 - poly * t * np.exp(-ax * ax)
    return np.copysign(y, x)


def gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x * Phi(x)."""
    return 0.5 * x * (1.0 + erf(x * np.float32(1.0 / np.sqrt(2.0))))


def _layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> np.ndarray:
    centred = x - x.mean(-1, keepdims=True)
    variance = (centred * centred).mean(-1, keepdims=True)
    return centred / np.sqrt(variance + np.float32(LAYER_NORM_EPS)) * gamma + beta


class SafetensorsReader:
    """Reads one float32 array at a time from a .safetensors file with plain file reads.

    Why not the safetensors package: its readers map or read the whole 87 MB file while the
    arrays are copied out, which shows up as the Rasa process's peak memory. The format is
    an 8-byte little-endian header length, a JSON header (dtype, shape and byte offsets of
    each array) and the raw bytes; the file's SHA-256 is checked before it gets here.
    """

    def __init__(self, handle: BinaryIO) -> None:
        (length,) = struct.unpack("<Q", handle.read(8))
        self._header = json.loads(handle.read(length))
        self._data_start = 8 + length
        self._handle = handle

    def _locate(self, name: str) -> Tuple[int, Tuple[int, ...]]:
        """An array's byte offset in the file and its shape, after checking both."""
        entry = self._header[name]
        if entry["dtype"] != "F32":
            raise ValueError(f"{name}: dtype {entry['dtype']}, expected F32.")
        begin, end = entry["data_offsets"]
        shape = tuple(int(n) for n in entry["shape"])
        if end - begin != int(np.prod(shape, dtype=np.int64)) * 4:
            raise ValueError(f"{name}: {end - begin} bytes do not fit shape {list(shape)}.")
        return self._data_start + begin, shape

    def get(self, name: str) -> np.ndarray:
        offset, shape = self._locate(name)
        self._handle.seek(offset)
        values = np.fromfile(self._handle, dtype="<f4", count=int(np.prod(shape)))
        return values.astype(np.float32, copy=False).reshape(shape)

    def mapped(self, name: str) -> np.ndarray:
        """The array as a read-only map of the file, for a lookup table.

        Only the pages of the rows a message uses are read, and they are clean file pages
        that every process mapping the file shares and the kernel can drop. The values are
        the file's bytes, so lookups give exactly what `get` would."""
        offset, shape = self._locate(name)
        if np.dtype("<f4") != np.dtype(np.float32):  # a big-endian machine: copy instead
            return self.get(name)
        return np.memmap(self._handle.name, dtype=np.float32, mode="r", offset=offset, shape=shape)


class MiniLM:
    """all-MiniLM-L6-v2 from its safetensors file: word-piece ids -> unit sentence vectors."""

    def __init__(self, weights_file: Path) -> None:
        with open(weights_file, "rb") as handle:
            raw = SafetensorsReader(handle)

            def array(name: str, transpose: bool = False) -> np.ndarray:
                value = raw.get(name)
                value = value.T if transpose else value  # PyTorch Linear is (out, in)
                return np.ascontiguousarray(value, dtype=np.float32)

            def fused(layer: str, kind: str) -> np.ndarray:
                """Query, key and value side by side: one product instead of three."""
                names = [f"{layer}.attention.self.{n}.{kind}" for n in ("query", "key", "value")]
                parts = [array(name) for name in names]
                return np.ascontiguousarray(
                    np.concatenate(parts).T if kind == "weight" else np.concatenate(parts)
                )

            # 30,522 x 384 floats (45 MiB), of which a message reads a few rows: mapped.
            # PIT_ENCODER_WORDS_IN_MEMORY=1 copies it in, for memory comparisons.
            words = "embeddings.word_embeddings.weight"
            copy_words = os.environ.get(WORDS_IN_MEMORY_ENV) == "1"
            self.word = array(words) if copy_words else raw.mapped(words)
            self.position = array("embeddings.position_embeddings.weight")
            self.token_type = array("embeddings.token_type_embeddings.weight")[0].copy()
            self.embedding_norm = (
                array("embeddings.LayerNorm.weight"),
                array("embeddings.LayerNorm.bias"),
            )
            self.layers: List[Dict[str, np.ndarray]] = []
            for i in range(NUM_LAYERS):
                p = f"encoder.layer.{i}"
                self.layers.append(
                    {
                        "qkv_w": fused(p, "weight"),
                        "qkv_b": fused(p, "bias"),
                        "out_w": array(f"{p}.attention.output.dense.weight", transpose=True),
                        "out_b": array(f"{p}.attention.output.dense.bias"),
                        "norm1_g": array(f"{p}.attention.output.LayerNorm.weight"),
                        "norm1_b": array(f"{p}.attention.output.LayerNorm.bias"),
                        "up_w": array(f"{p}.intermediate.dense.weight", transpose=True),
                        "up_b": array(f"{p}.intermediate.dense.bias"),
                        "down_w": array(f"{p}.output.dense.weight", transpose=True),
                        "down_b": array(f"{p}.output.dense.bias"),
                        "norm2_g": array(f"{p}.output.LayerNorm.weight"),
                        "norm2_b": array(f"{p}.output.LayerNorm.bias"),
                    }
                )
        self.dim = self.word.shape[1]
        self.max_positions = self.position.shape[0]

    def embed(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """(batch, n) ids and 0/1 mask -> (batch, 384) float32 unit vectors (mean-pooled)."""
        batch, n = ids.shape
        if n > self.max_positions:
            raise ValueError(f"{n} word pieces is more than the model's {self.max_positions}.")
        heads, size = NUM_HEADS, self.dim // NUM_HEADS
        x = self.word[ids] + self.position[:n] + self.token_type
        x = _layer_norm(x, *self.embedding_norm)
        keep = mask.astype(np.float32)
        score_bias = None if keep.all() else ((1.0 - keep) * MASKED)[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(size))
        for layer in self.layers:
            qkv = x @ layer["qkv_w"] + layer["qkv_b"]
            qkv = qkv.reshape(batch, n, 3, heads, size).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]  # each (batch, heads, n, size)
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale
            if score_bias is not None:
                scores = scores + score_bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            attention = scores / scores.sum(-1, keepdims=True)
            context = (attention @ v).transpose(0, 2, 1, 3).reshape(batch, n, self.dim)
            x = _layer_norm(
                context @ layer["out_w"] + layer["out_b"] + x, layer["norm1_g"], layer["norm1_b"]
            )
            hidden = gelu(x @ layer["up_w"] + layer["up_b"])
            x = _layer_norm(
                hidden @ layer["down_w"] + layer["down_b"] + x, layer["norm2_g"], layer["norm2_b"]
            )
        weights = keep[:, :, None]
        mean = (x * weights).sum(1) / np.maximum(weights.sum(1), np.float32(1e-9))
        norms = np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), np.float32(1e-12))
        return (mean / norms).astype(np.float32)
