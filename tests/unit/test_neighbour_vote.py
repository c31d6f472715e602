"""The neighbour vote (bot/nlp/neighbours.py): a second opinion on the topic from the nearest
training examples' sentence vectors. The rule is tested on its own; the component is
trained, saved, loaded and run with Rasa's own model storage and the real encoder."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.encoder import build
from bot.nlp.neighbours import (
    LinearReader,
    NeighbourIndex,
    NeighbourVote,
    agreed_label,
    better_label,
)

KEEP = ["red_flag", "nlu_fallback", "greet", "affirm", "deny"]


# --- the decision rule ------------------------------------------------------------------


def test_a_label_wins_only_by_more_than_the_margin() -> None:
    scores = {"faq/cost": 0.70, "faq/downtime": 0.50, "thanks": 0.2}
    assert better_label(scores, "faq/downtime", 0.15, KEEP) == "faq/cost"
    assert better_label(scores, "faq/downtime", 0.20, KEEP) is None  # 0.20 is not more
    assert better_label(scores, "faq/cost", 0.0, KEEP) is None  # already the best


def test_kept_labels_are_never_changed_to_or_from() -> None:
    assert better_label({"red_flag": 0.2, "faq/cost": 0.9}, "red_flag", 0.1, KEEP) is None
    assert better_label({"red_flag": 0.9, "faq/cost": 0.2}, "faq/cost", 0.1, KEEP) is None
    assert better_label({"greet": 0.3, "clinic_info": 0.9}, "greet", 0.1, KEEP) is None


def test_a_never_to_label_is_left_from_but_never_gone_to() -> None:
    scores = {"faq/condition_help": 0.9, "out_of_scope": 0.5, "faq/cost": 0.2}
    never = ["faq/condition_help"]
    assert better_label(scores, "out_of_scope", 0.1, KEEP, never) is None
    assert better_label(scores, "out_of_scope", 0.1, KEEP) == "faq/condition_help"
    back = {"faq/condition_help": 0.3, "faq/cost": 0.8}
    assert better_label(back, "faq/condition_help", 0.1, KEEP, never) == "faq/cost"


def test_a_label_the_examples_do_not_know_is_left_alone() -> None:
    assert better_label({"faq/cost": 0.9}, "ask_something_new", 0.1, KEEP) is None


def test_each_label_scores_the_mean_of_its_k_nearest_examples() -> None:
    vectors = np.array([[1, 0], [0.8, 0.6], [0, 1], [0.6, 0.8], [-1, 0]], dtype=np.float32)
    labels = ["a", "a", "b", "b", "a"]
    index = NeighbourIndex(labels, vectors, k=2)
    scores = index.scores(np.array([1.0, 0.0]))
    assert scores["a"] == pytest.approx((1.0 + 0.8) / 2)  # the far example (-1, 0) is not used
    assert scores["b"] == pytest.approx((0.6 + 0.0) / 2)
    one = NeighbourIndex(["a", "b"], vectors[:2], k=3)  # fewer examples than k: all of them
    assert one.scores(np.array([1.0, 0.0]))["b"] == pytest.approx(0.8)


def test_the_nearest_examples_move_a_label_only_when_the_linear_reader_agrees() -> None:
    scores = {"faq/cost": 0.70, "faq/downtime": 0.60, "clinic_info": 0.3}
    assert agreed_label(scores, "faq/cost", "faq/downtime", 0.05, KEEP) == "faq/cost"
    assert agreed_label(scores, "clinic_info", "faq/downtime", 0.05, KEEP) is None
    assert agreed_label(scores, "faq/cost", "faq/downtime", 0.15, KEEP) is None  # margin first
    assert agreed_label(scores, None, "faq/downtime", 0.05, KEEP) == "faq/cost"  # no reader
    assert agreed_label({"red_flag": 0.9, "faq/cost": 0.1}, "red_flag", "faq/cost", 0, KEEP) is None


def test_the_linear_reader_reads_the_label_whose_region_a_vector_falls_in() -> None:
    rng = np.random.default_rng(7)
    centres = {"a": np.array([1.0, 0.0, 0.0]), "b": np.array([0.0, 1.0, 0.0])}
    labels = [label for label in centres for _ in range(20)]
    vectors = np.stack([centres[label] + rng.normal(0, 0.2, 3) for label in labels])
    reader = LinearReader.fit(labels, vectors, c=2.0)
    assert reader.label(np.array([0.9, 0.1, 0.0])) == "a"
    assert reader.label(np.array([0.1, 0.9, 0.0])) == "b"
    again = LinearReader.from_arrays(reader.arrays())  # what the model stores
    assert again is not None and again.label(np.array([0.1, 0.9, 0.0])) == "b"
    assert LinearReader.from_arrays({"labels": np.array(["a"])}) is None  # an older model


# --- the component, trained and loaded as Rasa does --------------------------------------

TRAINING: Dict[str, List[str]] = {
    "faq/cost": [
        "how much does the treatment cost",
        "what is the price of a session",
        "what will I pay for a course of injections",
        "is it expensive",
    ],
    "faq/downtime": [
        "will I need time off work afterwards",
        "can I go back to work the same day",
        "how long is the recovery after the injections",
        "do I need to rest after a session",
    ],
    "clinic_info": [
        "where is the clinic",
        "is there parking near you",
        "what are your opening hours",
    ],
    "red_flag": ["I can't breathe", "my lips are swelling after the injection"],
    "greet": ["hi", "hello there", "good morning"],
}


def _example(label: str, text: str) -> Message:
    if label.startswith("faq/"):
        return Message(data={TEXT: text, INTENT: "faq", INTENT_RESPONSE_KEY: label})
    return Message(data={TEXT: text, INTENT: label})


@pytest.fixture(scope="module")
def storage(tmp_path_factory: pytest.TempPathFactory) -> LocalModelStorage:
    build.ensure_built()
    return LocalModelStorage(tmp_path_factory.mktemp("model-storage"))


@pytest.fixture(scope="module")
def trained(storage: LocalModelStorage) -> NeighbourVote:
    resource = Resource("neighbour_vote")
    context = ExecutionContext(GraphSchema({}), "test")
    component = NeighbourVote.create({}, storage, resource, context)
    examples = [_example(label, text) for label, texts in TRAINING.items() for text in texts]
    component.train(TrainingData(training_examples=examples))
    # What `rasa run` does: a fresh component loaded from the saved model.
    return NeighbourVote.load({}, storage, resource, context)


def _message(text: str, intent: str, topic: Optional[str] = None) -> Message:
    message = Message(data={TEXT: text})
    message.set(INTENT, {"name": intent, "confidence": 1.0})
    message.set("intent_ranking", [{"name": intent, "confidence": 1.0}])
    if topic:
        selector = {"response": {"intent_response_key": topic, "responses": [{"text": "x"}]}}
        message.set("response_selector", {"faq": selector})
    return message


def _label(message: Message) -> str:
    intent = message.get(INTENT)["name"]
    if intent != "faq":
        return str(intent)
    return str(message.get("response_selector")["faq"]["response"]["intent_response_key"])


def test_the_trained_vote_moves_a_message_to_the_topic_its_meaning_is_nearest(
    trained: NeighbourVote,
) -> None:
    message = _message("what would the whole course of injections cost me", "faq", "faq/downtime")
    trained.process([message])
    assert _label(message) == "faq/cost"
    selector = message.get("response_selector")["faq"]
    assert "responses" not in selector["response"]  # the old topic's texts are not sent
    assert selector["ranking"][0] == {"intent_response_key": "faq/cost", "confidence": 1.0}
    assert message.get(INTENT)["confidence"] == 1.0  # no "did you mean" over a clear vote


def test_the_vote_can_move_an_faq_guess_to_an_intent(trained: NeighbourVote) -> None:
    message = _message("is there somewhere to park my car near the clinic", "faq", "faq/cost")
    trained.process([message])
    assert _label(message) == "clinic_info"


def test_a_choice_the_examples_agree_with_is_kept(trained: NeighbourVote) -> None:
    message = _message("how much is one session of the treatment", "faq", "faq/cost")
    trained.process([message])
    assert _label(message) == "faq/cost"


def test_red_flags_short_messages_and_button_payloads_are_left_alone(
    trained: NeighbourVote,
) -> None:
    flagged = _message("what would the whole course of injections cost me", "red_flag")
    short = _message("cost please", "faq", "faq/downtime")
    payload = _message('/ask_topic{"topic":"downtime"}', "ask_topic")
    trained.process([flagged, short, payload])
    assert _label(flagged) == "red_flag"
    assert _label(short) == "faq/downtime"
    assert _label(payload) == "ask_topic"


def test_a_model_without_vectors_leaves_every_message_alone(tmp_path: Path) -> None:
    context = ExecutionContext(GraphSchema({}), "test")
    empty = NeighbourVote.load({}, LocalModelStorage(tmp_path), Resource("none"), context)
    message = _message("what would the whole course of injections cost me", "faq", "faq/downtime")
    empty.process([message])
    assert _label(message) == "faq/downtime"


def test_a_model_saved_before_the_linear_reader_votes_with_its_own_margin(
    storage: LocalModelStorage,
) -> None:
    # A model trained before the reader existed keeps the margin its config was trained
    # with (0.15, the nearest examples alone), so upgrading the code keeps its vote.
    context = ExecutionContext(GraphSchema({}), "test")
    resource = Resource("vote_without_reader")
    older = NeighbourVote.create({"regression_c": None}, storage, resource, context)
    examples = [_example(label, text) for label, texts in TRAINING.items() for text in texts]
    older.train(TrainingData(training_examples=examples))
    loaded = NeighbourVote.load({"margin": 0.15}, storage, resource, context)
    assert loaded._reader is None
    moved = _message("what would the whole course of injections cost me", "faq", "faq/downtime")
    kept = _message("how much is one session of the treatment", "faq", "faq/cost")
    loaded.process([moved, kept])
    assert _label(moved) == "faq/cost"
    assert _label(kept) == "faq/cost"


def test_the_encoder_keeps_the_last_messages_for_the_next_reader(storage: object) -> None:
    from bot.encoder import load_encoder

    encoder = load_encoder()
    first = encoder.encode("how long will I be off work")
    assert encoder.encode("how long will I be off work") is first  # the red-flag net's read
    assert not first.flags.writeable  # a shared vector cannot be changed by one reader
    assert np.allclose(first, encoder.encode_many(["how long will I be off work"])[0], atol=1e-5)


def test_moves_that_end_a_booking_form_come_only_from_the_patients_own_words() -> None:
    # "'); DROP TABLE booking_requests;--" typed as a name was voted "cancel" (nearest to
    # "drop it") and the form stopped: cancel is kept, goodbye and handoff are never targets.
    config = NeighbourVote.get_default_config()
    keep, never = config["keep"], config["never_to"]
    for ending in ("cancel", "goodbye", "human_handoff"):
        scores = {ending: 0.9, "out_of_scope": 0.3, "share_details": 0.2}
        assert better_label(scores, "out_of_scope", 0.15, keep, never) is None
        assert better_label(scores, "share_details", 0.15, keep, never) is None
    assert better_label({"cancel": 0.2, "faq/cost": 0.9}, "cancel", 0.15, keep, never) is None
