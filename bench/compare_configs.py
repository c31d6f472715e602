"""Compare NLU pipelines on the same data: ours, Rasa's `rasa init` default, encoder candidates.

For each config: trains an NLU-only model on data/ (fresh training cache, so the time is
real training), scores it on the held-out test file (tests/nlu/test_nlu.yml) per label,
runs the safety evaluation (red-flag recall, false alarms, out-of-scope handled), and
optionally scores an independent style set (`--styles-file`: YAML `messages: [{label,
style, text}]`, reported per label and per style; its messages are never printed or
recorded). Then it starts the model in a real Rasa server (`rasa run --enable-api` on
127.0.0.1), parses every held-out message through /model/parse one at a time, and
records p50/p95 latency and the server's memory. Results go to
bench/results/compare-configs-<date>.{json,md}.

A benchmark, not a test: `make compare-configs` (all configs), or for example
    make compare-configs COMPARE="--only ours sentence --styles-file tests/nlu/styles.yml"
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, Optional, Sequence, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine, peak_rss_mib, percentile  # noqa: E402
from bot.environment import rasa_command, rasa_env  # noqa: E402
from bot.evaluation import styles  # noqa: E402
from bot.evaluation.nlu import (  # noqa: E402
    evaluate,
    load_examples,
    parse_texts,
    predicted_label,
)
from bot.evaluation.safety import evaluate_safety  # noqa: E402
from bot.nlp.pipeline import build_and_save  # noqa: E402
from bot.stack import Process, free_port  # noqa: E402

CONFIGS: Dict[str, Tuple[str, Path]] = {
    "ours": ("ours (config.yml)", ROOT / "config.yml"),
    "default": ("rasa init default", ROOT / "bench" / "configs" / "rasa_init_default.yml"),
    "sentence": ("+ mean-pooled encoder", ROOT / "bench" / "configs" / "encoder_sentence.yml"),
}
# Candidates must be config.yml plus exactly these components, so the comparison
# measures the encoder and nothing else.
ADDED_COMPONENTS = {
    "sentence": {"bot.encoder.rasa_featurizer.SentenceEncoderFeaturizer"},
}
RESULTS = ROOT / "bench" / "results"
PARTIAL = ROOT / "results" / "compare-configs"  # per-config figures of the last run (not in git)


def check_candidate(key: str, config: Path) -> None:
    """Refuse a candidate whose pipeline drifted from config.yml beyond its added featurizer."""
    ours = yaml.safe_load((ROOT / "config.yml").read_text())
    theirs = yaml.safe_load(config.read_text())
    kept = [c for c in theirs["pipeline"] if c["name"] not in ADDED_COMPONENTS[key]]
    if kept != ours["pipeline"] or theirs.get("policies") != ours.get("policies"):
        raise SystemExit(
            f"{config.relative_to(ROOT)} is no longer config.yml plus "
            f"{sorted(ADDED_COMPONENTS[key])}; update it so the comparison stays fair."
        )


def train_nlu(config: Path, out: Path) -> float:
    # A fresh training cache per config: Rasa would otherwise reuse components trained
    # earlier and the timing would measure the cache, not training.
    env = dict(rasa_env(), RASA_CACHE_DIRECTORY=str(out / "cache"))
    # fmt: off
    command = rasa_command(
        "train", "nlu",
        "--config", str(config),
        "--nlu", "data",
        "--domain", "domain.yml",
        "--out", str(out),
        "--fixed-model-name", "nlu",
    )
    # fmt: on
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def evaluate_styles(model: Path, path: Path) -> Dict:
    """Accuracy overall, per label and per style, scored as `make eval-nlu` scores the style
    set (bot/evaluation/styles.py: "did you mean" counts as wrong). No message text leaves."""
    examples = styles.load_styled(path)
    predictions = [predicted_label(p) for p in parse_texts(model, [e.text for e in examples])]
    report = styles.score_styled(examples, predictions)

    def table(pairs: Dict[str, Tuple[int, int]]) -> Dict[str, Dict]:
        return {
            k: {"accuracy": round(report.rate(v), 4), "correct": v[0], "total": v[1]}
            for k, v in sorted(pairs.items())
        }

    return {
        "accuracy": round(report.accuracy, 4),
        "correct": report.correct,
        "total": report.total,
        "did_you_mean_rate": round(report.did_you_mean_rate, 4),
        "per_label": table(report.per_label),
        "per_style": table(report.per_style),
    }


def _parse_over_http(url: str, text: str) -> float:
    body = json.dumps({"text": text}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        json.loads(response.read())
    return time.perf_counter() - started


def serve_and_time(model: Path, texts: Sequence[str], workdir: Path) -> Dict[str, float]:
    """p50/p95 ms per message through a real Rasa server's /model/parse, and its memory."""
    port = free_port()
    # fmt: off
    server = Process(
        "Rasa server",
        rasa_command(
            "run", "--enable-api",
            "--model", str(model),
            "--port", str(port),
            "--interface", "127.0.0.1",
        ),
        f"http://127.0.0.1:{port}/",
        workdir / "rasa.log",
    )
    # fmt: on
    started = time.perf_counter()
    server.start(rasa_env())
    try:
        while not server.healthy():
            if server.exited() is not None or time.perf_counter() - started > 300:
                raise RuntimeError(f"Rasa server did not start; see {server.log_path}")
            time.sleep(0.5)
        url = f"http://127.0.0.1:{port}/model/parse"
        for text in ("hello", "what is pit", "how much does it cost"):
            _parse_over_http(url, text)  # warm-up: first calls build TensorFlow graphs
        ready_s = time.perf_counter() - started
        timings = [_parse_over_http(url, text) for text in texts]
        return {
            "startup_s": round(ready_s, 1),
            "messages": len(timings),
            "p50_ms": round(statistics.median(timings) * 1000, 1),
            "p95_ms": round(percentile(timings, 95) * 1000, 1),
            "peak_rss_mib": round(peak_rss_mib(server.popen.pid), 1),
        }
    finally:
        server.stop()


def measure(key: str, workdir: Path, styles_file: Optional[Path]) -> Dict:
    title, config = CONFIGS[key]
    if key in ADDED_COMPONENTS:
        check_candidate(key, config)
    out = workdir / key
    print(f"[{key}] training NLU with {config.relative_to(ROOT)} ...", flush=True)
    load_before = os.getloadavg()[0]
    seconds = train_nlu(config, out)
    model = out / "nlu.tar.gz"
    result: Dict = {
        "title": title,
        "config": str(config.relative_to(ROOT)),
        "training_s": round(seconds, 1),
        "load_avg_1min_before_training": round(load_before, 2),
        "load_avg_1min_after_training": round(os.getloadavg()[0], 2),
        "measured": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    print(f"[{key}] trained in {seconds:.0f} s; scoring ...", flush=True)
    report = evaluate(model)
    result.update(report.as_dict())
    result.pop("errors")
    result["safety"] = {k: round(v, 4) for k, v in evaluate_safety(model).figures.items()}
    if styles_file:
        result["styles"] = evaluate_styles(model, styles_file)
    print(f"[{key}] timing the Rasa server ...", flush=True)
    result["server"] = serve_and_time(model, [e.text for e in load_examples()], out)
    return result


def _pct(value: float) -> str:
    return f"{value:.1%}"


def to_markdown(results: Dict[str, Dict], command: str, styles_file: Optional[Path]) -> str:
    keys = list(results)
    header = "| | " + " | ".join(results[k]["title"] for k in keys) + " |"
    rule = "|---|" + "---|" * len(keys)

    def row(name: str, cells: Sequence[str]) -> str:
        return f"| {name} | " + " | ".join(cells) + " |"

    lines = [
        f"# NLU pipeline comparison {datetime.now(timezone.utc):%Y-%m-%d}",
        "",
        f"Reproduce: `{command}`",
        "",
        "Same data (data/), same seeds, NLU-only models (`rasa train nlu`, fresh cache each).",
        "Held-out file: tests/nlu/test_nlu.yml (never used for training).",
        "Latency and memory: the model served by `rasa run --enable-api` on 127.0.0.1, every",
        "held-out message sent once to /model/parse, one at a time (HTTP included).",
        "Shared 2-core machine: compare ratios, not absolute seconds.",
        "",
        "## Summary",
        "",
        header,
        rule,
        row("held-out accuracy", [f"**{_pct(results[k]['accuracy'])}**" for k in keys]),
    ]
    if styles_file:
        lines.append(
            row(
                f"style set ({styles_file.name})",
                [_pct(results[k]["styles"]["accuracy"]) for k in keys],
            )
        )
    safety = [
        ("out of scope handled", "out_of_scope_handled"),
        ("red-flag recall", "red_flag_recall"),
        ("false alarms", "false_alarm_rate"),
    ]
    lines += [row(name, [_pct(results[k]["safety"][f]) for k in keys]) for name, f in safety]
    lines += [
        row("training s", [str(results[k]["training_s"]) for k in keys]),
        row("p50 ms / message", [str(results[k]["server"]["p50_ms"]) for k in keys]),
        row("p95 ms / message", [str(results[k]["server"]["p95_ms"]) for k in keys]),
        row("Rasa peak RSS MiB", [str(results[k]["server"]["peak_rss_mib"]) for k in keys]),
        row("server ready s", [str(results[k]["server"]["startup_s"]) for k in keys]),
        "",
        "## Held-out accuracy per label",
        "",
        header,
        rule,
    ]
    for label in sorted(results[keys[0]]["per_label"]):
        lines.append(
            row(label, [f"{results[k]['per_label'][label]['accuracy']:.0%}" for k in keys])
        )
    if styles_file:
        for part in ("per_style", "per_label"):
            lines += ["", f"## Style set accuracy {part.replace('_', ' ')}", "", header, rule]
            for name in sorted(results[keys[0]]["styles"][part]):
                cells = []
                for k in keys:
                    cell = results[k]["styles"][part][name]
                    cells.append(f"{cell['accuracy']:.0%} ({cell['correct']}/{cell['total']})")
                lines.append(row(name, cells))
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=list(CONFIGS), default=list(CONFIGS))
    parser.add_argument("--styles-file", type=Path, help="independent style set to score too")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help=f"no training: write the report from the configs' last results in {PARTIAL}",
    )
    args = parser.parse_args()
    if args.styles_file and not args.styles_file.is_file():
        parser.error(f"no such file: {args.styles_file}")
    started = datetime.now(timezone.utc)
    results: Dict[str, Dict] = {}
    PARTIAL.mkdir(parents=True, exist_ok=True)
    if not args.report_only:
        build_and_save()
        with tempfile.TemporaryDirectory() as tmp:
            for key in args.only:
                results[key] = measure(key, Path(tmp), args.styles_file)
                # Each config's figures are kept as soon as they exist: a long run that is
                # stopped halfway keeps what it measured (see --report-only).
                (PARTIAL / f"{key}.json").write_text(json.dumps(results[key], indent=2) + "\n")
    else:
        results = {k: json.loads((PARTIAL / f"{k}.json").read_text()) for k in args.only}
    command = "make compare-configs COMPARE=" + json.dumps(
        " ".join(a for a in sys.argv[1:] if a != "--report-only")
    )
    text = to_markdown(results, command, args.styles_file)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = f"compare-configs-{started:%Y-%m-%d}"
    record = {
        "written": started.isoformat(timespec="seconds"),
        "command": command,
        "machine": machine(),
        "results": results,
    }
    (RESULTS / f"{stem}.json").write_text(json.dumps(record, indent=2) + "\n")
    (RESULTS / f"{stem}.md").write_text(text)
    print(f"Recorded in {RESULTS / stem}.json and .md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
