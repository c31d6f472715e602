"""Benchmark: the sentence encoder's cost inside a process like Rasa's.

Prints and records (bench/results/encoder-<date>.{json,md}):
- load time (checksum check + TensorFlow model) and the memory it adds on top of an
  already imported TensorFlow (the Rasa process always has TensorFlow loaded);
- milliseconds per message, one message at a time (how the red-flag checker and the
  Rasa featurizer call it), over the held-out NLU messages;
- batched throughput, for comparison.

    make bench-encoder
    python bench/encoder_bench.py --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine, percentile  # noqa: E402
from bot.evaluation.nlu import load_examples  # noqa: E402

RESULTS = ROOT / "bench" / "results"


def rss_mib() -> float:
    """This process's resident memory now (VmRSS), from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="passes over the messages")
    args = parser.parse_args()

    result: Dict[str, object] = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "load_avg_1min_at_start": round(os.getloadavg()[0], 2),
    }
    # The Rasa process has TensorFlow, spaCy and Rasa loaded already (so does this one, through
    # the imports above): the encoder's cost is what comes on top.
    import tensorflow  # noqa: F401

    with_tf = rss_mib()

    from bot.encoder import load_encoder

    started = time.perf_counter()
    encoder = load_encoder()
    result["encoder_load_s"] = round(time.perf_counter() - started, 2)
    encoder.encode("warm up")  # the first call traces the TensorFlow graph
    result["first_call_included_load_s"] = round(time.perf_counter() - started, 2)
    loaded = rss_mib()

    texts = [e.text for e in load_examples()]
    timings: List[float] = []
    for _ in range(args.repeat):
        for text in texts:
            t0 = time.perf_counter()
            encoder.encode(text)
            timings.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    encoder.encode_many(texts, batch_size=32)
    batched = time.perf_counter() - t0
    result.update(
        {
            "messages": len(timings),
            "per_message_ms": {
                "p50": round(statistics.median(timings) * 1000, 2),
                "p95": round(percentile(timings, 95) * 1000, 2),
                "p99": round(percentile(timings, 99) * 1000, 2),
                "mean": round(statistics.fmean(timings) * 1000, 2),
            },
            "batched_32_ms_per_message": round(batched / len(texts) * 1000, 2),
            "rss_mib": {
                "before_encoder": round(with_tf, 1),
                "after_encoder_load_and_use": round(rss_mib(), 1),
                "added_by_encoder": round(rss_mib() - with_tf, 1),
                "added_by_load_only": round(loaded - with_tf, 1),
            },
            "load_avg_1min_at_end": round(os.getloadavg()[0], 2),
        }
    )
    text = to_markdown(result)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = f"encoder-{datetime.now(timezone.utc):%Y-%m-%d}"
    (RESULTS / f"{stem}.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / f"{stem}.md").write_text(text)
    print(f"Recorded in {RESULTS / stem}.json and .md")
    return 0


def to_markdown(r: Dict) -> str:
    m, ms, mem = r["machine"], r["per_message_ms"], r["rss_mib"]
    return "\n".join(
        [
            f"# Sentence encoder benchmark {r['date']}",
            "",
            "Command: `make bench-encoder` (bench/encoder_bench.py). all-MiniLM-L6-v2, TensorFlow,",
            "one message at a time over the held-out NLU messages (tests/nlu/test_nlu.yml).",
            f"Machine: {m['cpus']} CPUs shared with other jobs; 1-min load average "
            f"{r['load_avg_1min_at_start']} at start, {r['load_avg_1min_at_end']} at end.",
            "",
            "| figure | value |",
            "|---|---|",
            f"| messages timed | {r['messages']} |",
            f"| ms per message p50 | {ms['p50']} |",
            f"| ms per message p95 | {ms['p95']} |",
            f"| ms per message p99 | {ms['p99']} |",
            f"| ms per message, batches of 32 | {r['batched_32_ms_per_message']} |",
            f"| encoder load s (checksums + model) | {r['encoder_load_s']} |",
            f"| load + first call s | {r['first_call_included_load_s']} |",
            f"| RSS MiB before the encoder (TF, spaCy, Rasa loaded) | {mem['before_encoder']} |",
            f"| RSS MiB added by the encoder | {mem['added_by_encoder']} |",
            "",
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
