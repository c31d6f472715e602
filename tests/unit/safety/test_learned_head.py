"""The learned red-flag head (bot/safety/head.py) and how the semantic net uses it."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
import yaml

from bot.safety import head as head_module
from bot.safety.head import NONE, RedFlagHead, canonical, class_list, fit, load_head
from bot.safety.red_flags import detector_for
from bot.safety.semantic import URGENT, Exemplars, SemanticNet, load_exemplars, semantic_net

# ---------------------------------------------------------------- the model itself


def _toy_head() -> RedFlagHead:
    """Two dimensions: x says "self_harm", y says "heavy_bleeding", neither says "none"."""
    weights = np.array([[0.0, 8.0, 0.0], [0.0, 0.0, 8.0]], dtype=np.float32)
    return RedFlagHead([NONE, "self_harm", "heavy_bleeding"], weights, np.array([4.0, 0.0, 0.0]))


def test_the_verdict_names_the_likeliest_category_and_the_chance_of_any_emergency():
    head = _toy_head()
    bleeding = head.verdict(np.array([0.0, 1.0], dtype=np.float32))
    assert bleeding.category == "heavy_bleeding" and bleeding.probability > 0.95
    calm = head.verdict(np.array([0.0, 0.0], dtype=np.float32))
    assert calm.probability < 0.05  # "none" wins on its bias alone
    probs = head.probabilities(np.array([1.0, 1.0], dtype=np.float32))
    assert probs.sum() == pytest.approx(1.0)


def test_weights_that_do_not_fit_the_classes_are_refused():
    with pytest.raises(ValueError):
        RedFlagHead([NONE, "self_harm"], np.zeros((2, 3)), np.zeros(3))
    with pytest.raises(ValueError):
        RedFlagHead(["self_harm", NONE], np.zeros((2, 2)), np.zeros(2))


def test_training_is_repeatable_and_learns_separable_categories():
    rng = np.random.default_rng(0)
    centres = {NONE: (0, 0, 1), "self_harm": (1, 0, 0), "heavy_bleeding": (0, 1, 0)}
    labels = [label for label in centres for _ in range(30)]
    vectors = np.array([centres[label] for label in labels], dtype=np.float32)
    vectors += rng.normal(0, 0.05, vectors.shape).astype(np.float32)
    classes = class_list([head_module.Example("", label, "") for label in labels])
    assert classes == [NONE, "heavy_bleeding", "self_harm"]
    first, second = fit(vectors, labels, classes), fit(vectors, labels, classes)
    assert np.array_equal(first.weights, second.weights)
    assert first.verdict(np.array([1, 0, 0], dtype=np.float32)).category == "self_harm"
    assert first.verdict(np.array([0, 0, 1], dtype=np.float32)).probability < 0.5


def test_heavier_ordinary_examples_pull_their_neighbours_back_to_none():
    labels = ["self_harm"] * 20 + [NONE] * 20 + [NONE] * 2
    vectors = np.array([[1, 0]] * 20 + [[0, 1]] * 20 + [[0.8, 0.2]] * 2, dtype=np.float32)
    classes = [NONE, "self_harm"]
    plain = fit(vectors, labels, classes)
    weighted = fit(vectors, labels, classes, [1.0] * 40 + [10.0] * 2)
    probe = np.array([0.8, 0.2], dtype=np.float32)
    assert weighted.verdict(probe).probability < plain.verdict(probe).probability


def test_development_set_names_map_to_the_ten_clinical_categories():
    known = load_exemplars().categories
    assert canonical("overdose", known) == "overdose_poisoning"
    assert canonical("bleeding", known) == "heavy_bleeding"
    assert canonical("stroke", known) == "stroke"
    with pytest.raises(ValueError, match="unknown red-flag category"):
        canonical("sunburn", known)


def test_the_training_data_has_every_category_and_ordinary_messages():
    examples = head_module.training_examples()
    labels = {e.label for e in examples}
    assert labels == {NONE} | set(load_exemplars().categories)
    assert not any("tests/safety/independent" in e.source for e in examples)
    assert sum(e.label == NONE for e in examples) > 1000  # NLU questions read as ordinary


# ---------------------------------------------------------------- saving and loading


def test_a_saved_head_loads_the_same_and_a_stale_one_is_reported(tmp_path: Path, caplog):
    path = tmp_path / "head.npz"
    _toy_head().save(path, "not-the-current-files")
    with caplog.at_level(logging.WARNING, logger="bot.safety.head"):
        loaded = load_head(path)
    assert loaded.classes == _toy_head().classes
    assert np.array_equal(loaded.weights, _toy_head().weights)
    assert "older than its training files" in caplog.text


def test_a_missing_head_says_how_to_build_it(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="make encoder"):
        load_head(tmp_path / "absent.npz")


def test_a_head_never_built_is_built_with_the_rest_of_the_pipeline(tmp_path: Path, monkeypatch):
    from bot import model_store

    built = []
    monkeypatch.setattr(head_module, "HEAD_PATH", tmp_path / "absent.npz")
    monkeypatch.setattr(head_module, "build", lambda encoder, **_: built.append(encoder))
    model_store.ensure_pipeline()
    assert len(built) == 1  # and with a head in place, nothing is rebuilt:
    monkeypatch.setattr(
        head_module, "HEAD_PATH", head_module.PROJECT_ROOT / "build" / "red_flag_head.npz"
    )
    model_store.ensure_pipeline()
    assert len(built) == 1


def test_the_threshold_is_read_and_checked(tmp_path: Path):
    assert 0.5 <= load_exemplars().learned_threshold < 1
    text = "threshold: 0.7\nunsure_from: 0.6\nlearned_threshold: 1.2\ncategories: {x: [a]}\n"
    (tmp_path / "ex.yml").write_text(text)
    with pytest.raises(ValueError, match="learned_threshold"):
        load_exemplars(tmp_path / "ex.yml")
    (tmp_path / "ex.yml").write_text(text.replace("learned_threshold: 1.2\n", ""))
    assert load_exemplars(tmp_path / "ex.yml").learned_threshold == Exemplars.learned_threshold


# ---------------------------------------------------------------- the net's decision


class _Encoder:
    """Words to fixed vectors: "bleed" points one way, "calm" another."""

    def encode(self, text: str) -> np.ndarray:
        if "bleed" in text:
            return np.array([0.0, 1.0], dtype=np.float32)
        return np.array([-1.0, 0.0], dtype=np.float32) if "calm" in text else np.zeros(2)

    def encode_many(self, texts):
        return np.array([self.encode(t) for t in texts])


def _net(head):
    exemplars = Exemplars(0.9, 0.8, {"self_harm": ("nothing alike",)}, ("calm",), 0.9)
    return SemanticNet(_Encoder(), exemplars, head)


def test_the_head_flags_what_no_example_is_close_to():
    verdict, closer_to_calm = _net(_toy_head()).read("it will not stop, bleed bleed")
    assert verdict is not None and verdict.verdict == URGENT
    assert verdict.category == "heavy_bleeding" and not closer_to_calm


def test_below_its_threshold_the_head_leaves_the_old_decision():
    verdict, closer_to_calm = _net(_toy_head()).read("calm")
    assert verdict is None and closer_to_calm
    assert _net(None).read("it will not stop, bleed")[0] is None  # no head: the old net only


# ---------------------------------------------------------------- the built head, end to end


@pytest.fixture(scope="module")
def net():
    found = semantic_net()
    assert found is not None and found.head is not None, "run `make encoder`"
    return found


@pytest.mark.parametrize(
    "text",
    [
        # written for this test, not taken from any development or test set
        "the bathroom floor is red and my nose is still going, i'm getting shaky",
        "my boy found nan's heart pills and had a few, he's gone really sleepy",
    ],
)
def test_the_built_head_catches_emergencies_the_patterns_leave_open(net, text):
    hits, dismissed = detector_for().assess(text)
    assert not hits and not dismissed  # only the nets read it
    assert net.learned(text) is not None
    assert net.judge(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "is there a lift in the building, stairs are hard for me",
        "I'd like to cut back on my tablets eventually, could PIT help with that",
        "my back has worn me out this year, when is your next free slot",
        "does the needle hurt much going in",
        # answers to the booking form's "where is your pain?"
        "pain from my lower back into the back of my right thigh",
        "my left shoulder, down as far as the wrist some days",
    ],
)
def test_the_built_head_leaves_ordinary_questions_alone(net, text):
    assert net.learned(text) is None


def test_sets_held_back_from_the_head_are_neither_trained_on_nor_fingerprinted(monkeypatch):
    held_back = frozenset({"blind_2026_12_08.yml"})
    assert (head_module.DEV_DIR / "blind_2026_12_08.yml").is_file()
    trained = {example.source for example in head_module.training_examples()}
    assert "dev/blind_2026_12_08.yml" in trained
    monkeypatch.setattr(head_module, "NOT_TRAINED_ON", held_back)
    sources = {example.source for example in head_module.training_examples()}
    assert not {f"dev/{name}" for name in held_back} & sources
    assert not {path.name for path in head_module.source_files()} & held_back
    assert trained - sources == {"dev/blind_2026_12_08.yml"}


def test_harmless_goodbyes_are_not_taught_to_the_head_as_ordinary():
    """A goodbye learned as ordinary let a veiled self-harm goodbye go (session 47)."""
    raw = yaml.safe_load((head_module.DEV_DIR / "blind_2026_12_11.yml").read_text("utf-8"))
    goodbyes = {m["text"] for m in raw["near_misses"] if m["kind"] == "goodbyes_and_signoffs"}
    others = {m["text"] for m in raw["near_misses"] if m["kind"] != "goodbyes_and_signoffs"}
    texts = {example.text for example in head_module.training_examples()}
    assert goodbyes and not goodbyes & texts
    assert others <= texts  # the set's other near misses still train it
