"""RedFlagClassifier as Rasa builds it (``create``) on real Message objects."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.safety.red_flag_classifier import SPACY_DOC_KEY, RedFlagClassifier
from bot.safety.red_flags import default_nlp


def diet_says(text: str, intent: str = "faq", confidence: float = 0.93) -> Message:
    """A message as DIET leaves it: an intent, a ranking and no entities yet."""
    message = Message(data={"text": text})
    message.set("intent", {"name": intent, "confidence": confidence}, add_to_output=True)
    message.set(
        "intent_ranking",
        [
            {"name": intent, "confidence": confidence},
            {"name": "red_flag", "confidence": 0.05},
            {"name": "greet", "confidence": 0.02},
        ],
        add_to_output=True,
    )
    message.set(
        "entities",
        [
            {
                "entity": "condition",
                "value": "knee",
                "start": 0,
                "end": 4,
                "extractor": "SpacyEntityExtractor",
            }
        ],
        add_to_output=True,
    )
    return message


def test_red_flag_overrides_the_model_and_adds_entities(component):
    text = "how much is a session? also my lips are swelling and I can't breathe"
    [message] = component.process([diet_says(text)])
    assert message.get("intent") == {"name": "red_flag", "confidence": 1.0}
    ranking = message.get("intent_ranking")
    assert ranking[0] == {"name": "red_flag", "confidence": 1.0}
    assert [r["name"] for r in ranking[1:]] == ["faq", "greet"]  # no duplicate red_flag
    assert all(r["confidence"] == 0.0 for r in ranking[1:])
    flags = [e for e in message.get("entities") if e["entity"] == "red_flag"]
    assert {e["value"] for e in flags} == {"allergic_reaction", "breathing"}
    for entity in flags:
        assert entity["extractor"] == "RedFlagClassifier"
        assert text[entity["start"] : entity["end"]]
    assert any(e["entity"] == "condition" for e in message.get("entities"))  # kept


def test_ordinary_message_is_left_alone(component):
    [message] = component.process([diet_says("what does a session cost?")])
    assert message.get("intent") == {"name": "faq", "confidence": 0.93}
    assert not [e for e in message.get("entities") if e["entity"] == "red_flag"]


def test_uses_the_spacy_doc_rasa_attached(component):
    text = "My arm is red and hot and spreading"
    message = diet_says(text)
    message.set(SPACY_DOC_KEY, default_nlp()(text.lower()))
    [processed] = component.process([message])
    assert processed.get("intent")["name"] == "red_flag"
    assert [e["value"] for e in processed.get("entities") if e["entity"] == "red_flag"] == [
        "spreading_redness"
    ]


@pytest.mark.parametrize("text", ["", "   ", "😀", "x" * 10_000, None])
def test_empty_or_odd_messages_do_not_crash(component, text):
    message = Message(data={"text": text} if text is not None else {})
    [processed] = component.process([message])
    assert processed.get("intent") is None


def test_fallback_classifier_after_it_keeps_the_red_flag(component):
    fallback = FallbackClassifier({"threshold": 0.4, "ambiguity_threshold": 0.08})
    # DIET was unsure (close to the fallback threshold) and two intents were close.
    message = diet_says("sorry, my chest feels tight", intent="faq", confidence=0.35)
    [processed] = fallback.process(component.process([message]))
    assert processed.get("intent")["name"] == "red_flag"


def test_training_data_passes_through(component):
    data = TrainingData([Message(data={"text": "hi", "intent": "greet"})])
    assert component.process_training_data(data) is data


def test_negated_symptoms_overrule_a_red_flag_guess_from_the_model(component):
    [message] = component.process(
        [diet_says("no redness or pus, just a bit sore", intent="red_flag", confidence=0.7)]
    )
    assert message.get("intent")["name"] == "greet"  # the next intent in DIET's ranking
    assert "red_flag" not in [r["name"] for r in message.get("intent_ranking")]


def test_model_red_flag_stays_when_the_rules_saw_no_symptom_term(component):
    # An unseen phrasing: the rules match nothing, so the model's safety net stands.
    [message] = component.process(
        [diet_says("something feels really wrong tonight", intent="red_flag", confidence=0.7)]
    )
    assert message.get("intent")["name"] == "red_flag"


def test_a_red_flag_guessed_by_the_model_alone_needs_half_its_confidence(component):
    # A vague message that neither net decides (the head trained on 2026-12-07's set reads
    # "something feels really wrong tonight" as urgent itself, so it no longer tests this rule)
    vague = "something is not right with me today"
    [message] = component.process([diet_says(vague, intent="red_flag", confidence=0.45)])
    assert message.get("intent")["name"] == "greet"
    [message] = component.process([diet_says(vague, intent="red_flag", confidence=0.5)])
    assert message.get("intent")["name"] == "red_flag"


@pytest.mark.parametrize(
    "text, over",
    [
        ("the bleeding stopped after a while", True),
        ("my ankle isn't puffy anymore", True),
        ("the redness has gone down", True),
        ("the bleeding hasn't stopped", False),
        ("it won't stop bleeding", False),
        ("the swelling has not gone down at all", False),
        ("I can't breathe", False),
    ],
)
def test_the_second_net_skips_symptoms_that_are_over(text: str, over: bool):
    from bot.safety.red_flag_classifier import says_it_is_over

    assert says_it_is_over(text) is over


def test_a_crisis_said_with_anymore_is_never_taken_as_over(component):
    # "anymore" reads as "over" for a symptom, but never for self-harm (ALWAYS urgent).
    [message] = component.process([diet_says("can't do this anymore. goodbye, thanks for trying")])
    assert message.get("intent")["name"] == "red_flag"


@pytest.mark.parametrize(
    "text, stays",
    [
        ("my wrist was a little puffy after the shot, it went down the next day", False),
        ("the needle spot keeps bleeding and it won't stop", True),
    ],
)
def test_the_models_own_red_flag_on_a_symptom_that_is_over_is_overruled(
    component, text: str, stays: bool
):
    """DIET reads the symptom's words, not that they are past: when the second net reads a
    symptom that can be over, and the message says it is, DIET's red_flag is overruled."""
    [message] = component.process([diet_says(text, intent="red_flag", confidence=0.9)])
    assert (message.get("intent")["name"] == "red_flag") is stays


@pytest.mark.parametrize(
    "text, stays",
    [
        ("I'm so happy the swelling in my knee is gone", False),
        ("the price nearly gave me a heart attack, lol", False),
        ("he is grey and sweaty and not making sense", True),
        ("something feels really wrong tonight", True),
    ],
)
def test_the_models_own_red_flag_on_a_message_closer_to_a_calm_example_is_overruled(
    component, text: str, stays: bool
):
    """The second net never flags a message closer to a calm example than to every
    emergency; the classifier's own red_flag (from words like "swelling" or "heart attack")
    is overruled there too. One closer to an emergency example keeps it."""
    [message] = component.process([diet_says(text, intent="red_flag", confidence=0.9)])
    assert (message.get("intent")["name"] == "red_flag") is stays


def test_the_models_lone_red_flag_stands_only_when_the_learned_head_gives_it_a_chance(
    component, tmp_path
):
    """Nothing in the catalog or the nearest examples: the classifier's own red_flag stands
    only when the learned head gives the message at least the floor of being an emergency
    (bench/results/red-flag-lone-classifier-*.md chose HEAD_FLOOR on the development sets).
    The head gives this message about 0.4: it stands at the default floor, not at 0.5."""
    text = "my arm is a little swollen where they injected"
    [kept] = component.process([diet_says(text, intent="red_flag", confidence=0.9)])
    assert kept.get("intent")["name"] == "red_flag"
    strict = RedFlagClassifier.create(
        {**RedFlagClassifier.get_default_config(), "classifier_alone_min_head_probability": 0.5},
        LocalModelStorage(tmp_path),
        Resource("red_flag_classifier"),
        ExecutionContext(GraphSchema({}), "test-model"),
    )
    [overruled] = strict.process([diet_says(text, intent="red_flag", confidence=0.9)])
    assert overruled.get("intent")["name"] != "red_flag"


@pytest.mark.parametrize(
    "text, urgent",
    [
        # the second net and the head (0.94-0.96) read these plain goodbyes as farewells
        ("Ok I'm leaving now, that's all from me. Goodbye and thanks.", False),
        ("I'll leave you in peace now. Thanks ever so much, bye!", False),
        # "thank you for everything" stays a crisis, whatever it wishes the reader (0.98)
        ("I'm going now. Thank you for everything. Goodbye, have a nice day.", True),
    ],
)
def test_an_ordinary_goodbye_is_not_read_as_a_veiled_farewell(component, text: str, urgent: bool):
    """bot/safety/sign_off.py: a goodbye that says when the patient will be back or wishes
    the reader well, with no word of a crisis, overrules the sentence-meaning layers."""
    [message] = component.process([diet_says(text, intent="goodbye", confidence=0.9)])
    assert (message.get("intent")["name"] == "red_flag") is urgent
