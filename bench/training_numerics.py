"""Benchmark: which settings change the numbers of a trained model on this machine.

The same data and seeds gave a model that passed the NLU gates on one CI machine and
missed them on two others. This trains a short model (our pipeline, 2 epochs per
classifier, `rasa train nlu`) once per setting, each with its own Rasa cache, and
compares the trained weights byte for byte with the run that sets nothing:

- nothing set: TensorFlow and oneDNN choose for this CPU;
- the same again (is training repeatable on one machine?);
- TF_ENABLE_ONEDNN_OPTS=0 (TensorFlow's oneDNN graph rewrites off);
- ONEDNN_MAX_CPU_ISA=AVX (oneDNN held to an older instruction set, as on another CPU);
- bot/environment.py's settings (what every project command uses);
- those settings with OpenBLAS held to its Haswell (AVX2) kernels (numpy's matrix products).

If "AVX" differs from "nothing set", the CPU's instruction set reaches the model, and
a fixed ISA is needed for two machines to train the same model. On a CPU with AVX2 and no
AVX-512, "our settings" (AVX2) must equal "nothing set". Compare "our settings" across
machines by its hashes: the report names the CPU's instruction sets and the training data's
fingerprint, and each CPU kind writes its own file.

    make bench-training-numerics
    python bench/training_numerics.py --epochs 2 --only "our settings"
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import tarfile
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine  # noqa: E402
from bench.nlu_training import config_with_epochs, train_nlu  # noqa: E402
from bot.environment import DEFAULTS, NUMERICS_VARIABLES, rasa_env  # noqa: E402
from bot.model_store import training_fingerprint  # noqa: E402

RESULTS = ROOT / "bench" / "results"
WEIGHTS = re.compile(r"(DIETClassifier|ResponseSelector)\.tf_model\.data-")

OURS = {name: DEFAULTS[name] for name in NUMERICS_VARIABLES}
SETTINGS: List[Tuple[str, Dict[str, str]]] = [
    ("nothing set", {}),
    ("nothing set, again", {}),
    ("TF_ENABLE_ONEDNN_OPTS=0", {"TF_ENABLE_ONEDNN_OPTS": "0"}),
    ("ONEDNN_MAX_CPU_ISA=AVX", {"ONEDNN_MAX_CPU_ISA": "AVX"}),
    ("our settings", OURS),
    ("our settings + OPENBLAS_CORETYPE=Haswell", {**OURS, "OPENBLAS_CORETYPE": "Haswell"}),
]


def cpu_instruction_sets() -> str:
    flags = set()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            break
    wanted = sorted(f for f in flags if f in {"avx", "avx2", "fma"} or f.startswith("avx512"))
    return " ".join(wanted) or "none of avx/avx2/avx512"


def train(name: str, extra: Dict[str, str], config: Path, folder: Path) -> Tuple[Dict, float]:
    """Train once with only ``extra`` among the numeric settings; hash of each weight file."""
    env = rasa_env()
    for variable in NUMERICS_VARIABLES:
        env.pop(variable, None)
    env.update(extra)
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    out = folder / slug
    _, seconds = train_nlu(config, out, folder / f"cache-{slug}", env)
    hashes = {}
    with tarfile.open(out / "model.tar.gz") as archive:
        for member in archive.getmembers():
            found = WEIGHTS.search(member.name)
            if found and member.isfile():
                data = archive.extractfile(member).read()  # type: ignore[union-attr]
                hashes[found.group(1)] = hashlib.sha256(data).hexdigest()[:16]
    return hashes, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument(
        "--only", action="append", default=[], help="run only this setting (repeatable)"
    )
    args = parser.parse_args()
    chosen = [(name, extra) for name, extra in SETTINGS if not args.only or name in args.only]
    if not chosen:
        parser.error(f"--only: choose from {[name for name, _ in SETTINGS]}")

    rows = []
    with tempfile.TemporaryDirectory(prefix="numerics-") as tmp:
        folder = Path(tmp)
        config = config_with_epochs(ROOT / "config.yml", args.epochs, folder / "config.yml")
        for name, extra in chosen:
            hashes, seconds = train(name, extra, config, folder)
            rows.append((name, hashes, seconds))
            print(f"{name:28} {hashes}  {seconds:.0f} s", flush=True)

    base = next((hashes for name, hashes, _ in rows if name == "nothing set"), None)
    host = machine()
    only = "".join(f' --only "{name}"' for name in args.only)
    lines = [
        f"# Training numerics, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
        "",
        f"Command: `make bench-training-numerics` (`python bench/training_numerics.py "
        f"--epochs {args.epochs}{only}`). Our pipeline, {args.epochs} epochs per classifier, "
        "`rasa train nlu`, each run with its own Rasa cache.",
        f"Machine: {host['cpus']} CPUs, {host['platform']}; CPU instruction sets: "
        f"{cpu_instruction_sets()}. Training data fingerprint: `{training_fingerprint()}`.",
        "",
        "| setting | DIETClassifier weights | ResponseSelector weights | same as nothing set | "
        "seconds |",
        "|---|---|---|---|---|",
    ]
    for name, hashes, seconds in rows:
        same = "not run" if base is None else "yes" if hashes == base else "**no**"
        lines.append(
            f"| {name} | `{hashes.get('DIETClassifier')}` | `{hashes.get('ResponseSelector')}` "
            f"| {same} | {seconds:.0f} |"
        )
    report = "\n".join(lines) + "\n"
    print(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    isa = "avx512" if "avx512" in cpu_instruction_sets() else "avx2"
    target = RESULTS / f"training-numerics-{datetime.now(timezone.utc):%Y-%m-%d}-{isa}.md"
    target.write_text(report, encoding="utf-8")
    print(f"written: {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
