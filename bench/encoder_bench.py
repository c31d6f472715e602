"""Benchmark: the sentence encoder's cost inside a process like Rasa's, numpy beside TensorFlow.

Side by side in one run, each measurement in a fresh process (TensorFlow, spaCy and Rasa
imported first, as in the Rasa server), the two kinds alternating, medians of the rounds:
- `numpy`: the run-time encoder (bot/encoder/forward.py) on the verified source files;
- `tensorflow`: the encoder this project ran before, transformers' TFBertModel with the
  same weights copied in and a compiled tf.function forward pass, built here in memory.

Figures: load time, memory added on top of TensorFlow, milliseconds per message one at a
time (how the red-flag checker and the neighbour vote call it) over the held-out NLU
messages, batched throughput (how training calls it), and the largest difference between
the two kinds' vectors. Recorded in bench/results/encoder-<date>.{json,md}.

    make bench-encoder
    python bench/encoder_bench.py --rounds 3 --repeat 2
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine, percentile  # noqa: E402

RESULTS = ROOT / "bench" / "results"
KINDS = ("numpy", "tensorflow")
# Each child's vectors, compared at the end (not in git).
VECTORS = ROOT / "results" / "encoder-bench"


def rss_mib() -> float:
    """This process's resident memory now (VmRSS), from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def tensorflow_name_to_source(tf_name: str) -> str:
    """transformers' TF variable name -> the safetensors key holding its values."""
    name = re.sub(r"^[^/]+/bert/", "", tf_name.split(":")[0])
    name = re.sub(r"layer_\._(\d+)", r"layer.\1", name)
    parts = name.split("/")
    last = {"kernel": "weight", "gamma": "weight", "beta": "bias", "embeddings": "weight"}
    parts[-1] = last.get(parts[-1], parts[-1])
    return ".".join(parts)


def tensorflow_encoder() -> Tuple[Callable[[str], Any], Callable[[List[str]], Any]]:
    """The earlier TFBertModel encoder, in memory: (one message, a batch) -> unit vectors."""
    import numpy as np
    import tensorflow as tf
    from safetensors.numpy import load_file
    from transformers import BertConfig, TFBertModel
    from transformers.utils import logging as hf_logging

    from bot.encoder.artifacts import SOURCE_DIR, verify_sources
    from bot.encoder.tokenize import load_tokenizer

    hf_logging.set_verbosity_error()
    verify_sources()
    arrays = load_file(str(SOURCE_DIR / "model.safetensors"))
    model = TFBertModel(BertConfig.from_json_file(str(SOURCE_DIR / "config.json")))
    model(model.dummy_inputs)
    for variable in model.weights:
        value = arrays[tensorflow_name_to_source(variable.name)]
        variable.assign(value.T if variable.name.split(":")[0].endswith("/kernel") else value)
    tokenizer = load_tokenizer(SOURCE_DIR / "tokenizer.json")

    def pooled(ids: Any, mask: Any) -> Any:
        states = model(input_ids=ids, attention_mask=mask, training=False).last_hidden_state
        weights = tf.cast(mask, states.dtype)[:, :, None]
        mean = tf.reduce_sum(states * weights, 1) / tf.maximum(tf.reduce_sum(weights, 1), 1e-9)
        return tf.math.l2_normalize(mean, axis=1, epsilon=1e-12)

    spec = tf.TensorSpec([None, None], tf.int32)
    forward = tf.function(pooled, input_signature=[spec, spec])

    def one(text: str) -> Any:
        ids = np.asarray([tokenizer.encode(text).ids], dtype=np.int32)
        return forward(ids, np.ones_like(ids)).numpy()[0]

    def many(texts: List[str]) -> Any:
        rows = []
        for start in range(0, len(texts), 32):
            pieces = [tokenizer.encode(t).ids for t in texts[start : start + 32]]
            ids = np.zeros((len(pieces), max(map(len, pieces))), dtype=np.int32)
            mask = np.zeros_like(ids)
            for row, p in enumerate(pieces):
                ids[row, : len(p)], mask[row, : len(p)] = p, 1
            rows.append(forward(ids, mask).numpy())
        return np.concatenate(rows)

    return one, many


def numpy_encoder() -> Tuple[Callable[[str], Any], Callable[[List[str]], Any]]:
    from bot.encoder.model import SentenceEncoder

    encoder = SentenceEncoder()
    return encoder._encode_one, encoder.encode_many  # uncached: every call is timed


def child(kind: str, repeat: int) -> Dict[str, Any]:
    """One fresh process's figures for one kind of encoder."""
    import numpy as np
    import rasa.core.agent  # noqa: F401  (what the Rasa server has loaded before any model)
    import spacy  # noqa: F401
    import tensorflow  # noqa: F401

    from bot.evaluation.nlu import load_examples

    before = rss_mib()
    started = time.perf_counter()
    one, many = numpy_encoder() if kind == "numpy" else tensorflow_encoder()
    load_s = time.perf_counter() - started
    one("warm up")  # the TensorFlow kind traces its graph here
    first_call_s = time.perf_counter() - started
    loaded = rss_mib()

    texts = [e.text for e in load_examples()]
    timings: List[float] = []
    vectors = []
    for round_ in range(repeat):
        for text in texts:
            t0 = time.perf_counter()
            vector = one(text)
            timings.append(time.perf_counter() - t0)
            if round_ == 0:
                vectors.append(vector)
    t0 = time.perf_counter()
    many(texts)
    batched = time.perf_counter() - t0
    VECTORS.mkdir(parents=True, exist_ok=True)
    np.save(VECTORS / f"{kind}.npy", np.stack(vectors))
    return {
        "kind": kind,
        "messages": len(timings),
        "p50_ms": statistics.median(timings) * 1000,
        "p95_ms": percentile(timings, 95) * 1000,
        "batched_ms_per_message": batched / len(texts) * 1000,
        "load_s": load_s,
        "load_and_first_call_s": first_call_s,
        "rss_before_mib": before,
        "added_by_load_mib": loaded - before,
        "added_after_use_mib": rss_mib() - before,
    }


FIGURES = (
    ("p50_ms", "ms per message, p50 (one at a time)"),
    ("p95_ms", "ms per message, p95"),
    ("batched_ms_per_message", "ms per message, batches of 32"),
    ("load_s", "load s (checksums + weights)"),
    ("load_and_first_call_s", "load + first call s"),
    ("added_by_load_mib", "RSS MiB added by loading"),
    ("added_after_use_mib", "RSS MiB added after the messages"),
)


def to_markdown(result: Dict[str, Any]) -> str:
    m, med = result["machine"], result["medians"]
    lines = [
        f"# Sentence encoder: numpy beside TensorFlow ({result['date']})",
        "",
        f"Machine: {m['cpus']} CPUs, shared and noisy; 1-min load average "
        f"{result['load_avg_1min_at_start']} at start. Command: `make bench-encoder` "
        f"(`bench/encoder_bench.py --rounds {result['rounds']} --repeat {result['repeat']}`). "
        "Each figure is the median of fresh processes (TensorFlow, spaCy and Rasa imported "
        "first, as in the Rasa server), the two kinds alternating. Messages: the held-out NLU "
        f"file, {med['numpy']['messages']} timed calls per process.",
        "",
        "| figure | numpy (now) | TensorFlow (before) | numpy / TensorFlow |",
        "|---|---|---|---|",
    ]
    for key, label in FIGURES:
        a, b = med["numpy"][key], med["tensorflow"][key]
        ratio = f"{a / b:.2f}" if b else ""
        lines.append(f"| {label} | {a:.2f} | {b:.2f} | {ratio} |")
    lines += [
        "",
        f"Largest difference between the two kinds' vectors (unit length): "
        f"{result['max_abs_diff']:.1e}.",
        "",
        "Every process:",
        "",
    ]
    for run in result["runs"]:
        lines.append(
            f"- {run['kind']}: p50 {run['p50_ms']:.2f} ms, "
            f"batched {run['batched_ms_per_message']:.2f} ms, load {run['load_s']:.2f} s, "
            f"+{run['added_after_use_mib']:.0f} MiB"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="fresh processes per kind")
    parser.add_argument("--repeat", type=int, default=2, help="passes over the messages")
    parser.add_argument("--child", choices=KINDS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.repeat)))
        return 0

    import numpy as np

    result: Dict[str, Any] = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "load_avg_1min_at_start": round(os.getloadavg()[0], 2),
        "rounds": args.rounds,
        "repeat": args.repeat,
        "runs": [],
    }
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "RASA_TELEMETRY_ENABLED": "false"}
    for round_ in range(args.rounds):
        for kind in KINDS if round_ % 2 == 0 else tuple(reversed(KINDS)):
            out = subprocess.run(
                [sys.executable, __file__, "--child", kind, "--repeat", str(args.repeat)],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            ).stdout
            run = json.loads(out.strip().splitlines()[-1])
            print(f"{kind}: p50 {run['p50_ms']:.2f} ms, +{run['added_after_use_mib']:.0f} MiB")
            result["runs"].append(run)
    result["medians"] = {
        kind: {
            key: statistics.median(r[key] for r in result["runs"] if r["kind"] == kind)
            for key in result["runs"][0]
            if key != "kind"
        }
        for kind in KINDS
    }
    vectors = [np.load(VECTORS / f"{kind}.npy") for kind in KINDS]
    result["max_abs_diff"] = float(np.abs(vectors[0] - vectors[1]).max())
    text = to_markdown(result)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = f"encoder-{datetime.now(timezone.utc):%Y-%m-%d}"
    (RESULTS / f"{stem}.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / f"{stem}.md").write_text(text)
    print(f"Recorded in {RESULTS / stem}.json and .md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
