"""Work Rasa 3.6 repeats for every message, done once: installed in the Rasa server.

``RemoteAction._validate_action_result`` calls ``jsonschema.validate`` on each action
server reply. That function first checks the *schema itself* against the JSON-Schema
meta-schema, and Rasa's event schema is large: on this machine it cost about 65 ms of
CPU per message, a third of the Rasa server's time (bench/results/profile-2026-12-02.md).
The schema never changes, so here it is checked once and its validator kept. Replies are
validated exactly as before, with the same error (``jsonschema.validate`` raises the best
match of the validator's errors) and Rasa's same hint appended.

``Event.resolve_by_type`` finds an event's class by walking every subclass of ``Event``
(``all_subclasses``, recursive, with an ``inspect.isabstract`` check each) for *each* stored
event it reads back. At turn 400 of one conversation that walk was a quarter of the Rasa
server's time (bench/results/long-conversation-2026-12-03.md). Here the same walk fills a
table once, and is done again only for a name the table does not know (a class defined
later), so each name resolves to the class Rasa's own loop would return.

``RasaModel.load`` builds each TensorFlow model (DIET, ResponseSelector) by *training it on
one example*: Keras traces the whole training step with its gradients and creates Adam's
two slots per weight, all kept for the life of the server, only for the trained weights to
be loaded over them. Here a model loaded for prediction is built by one forward pass
instead, then the trained weights are loaded and its label embeddings computed from them,
as Rasa does after its training step. Answers are the same to the last bit
(tests/integration/test_model_loading.py compares every confidence), and the Rasa server holds
about 360 MiB less (bench/results/model-memory-2026-12-03.md). Fine-tuning (``rasa train
--finetune``) keeps Rasa's own path.

``RulePolicy`` builds one dialogue state per turn of the whole conversation, several times
per message, though no rule looks further back than its own length: bot/rule_window.py
builds states for those last turns only, with the same predictions. And each action call
carries the whole session's events, though most actions read only the current turn:
bot/action_payload.py sends those the turn and the few that read further back the session.
``DialogueStateTracker.applied_events`` walks the whole conversation each time it is asked,
several times per message: bot/applied_events.py continues from its last answer. And
``DialogueStateTracker.copy()`` replays every event for each action run:
bot/tracker_replay.py continues a kept replay and hands out a clone of it.

``SpacyNLP.load_model`` loads our saved spaCy pipeline (build/spacy_pit) a second time beside
the red-flag checker's copy; here it gets the process's one copy (bot.nlp.pipeline.shared_nlp),
the same pipeline loaded the same way, so the same documents. The copy is loaded again when
the saved pipeline changed since, so a model swapped in after a catalog change gets its own.

Installed when the Rasa server imports our channels (bot/channels/rest.py, always on);
the action server never imports Rasa, so it is not touched.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any, Dict, Optional, Text, Type

_INSTALLED = False
# Only for benchmarks that compare: "0" leaves Rasa's own code in place, "schema" installs
# the schema check alone, "no-windows" all but the rule window, the turn-only action
# payload and the continued applied events and replays; anything else (or unset) installs
# them all.
SWITCH_ENV = "PIT_RASA_SPEEDUPS"
SCHEMA_ONLY = "schema"
NO_WINDOWS = "no-windows"


@lru_cache(maxsize=1)
def action_reply_validator() -> Any:
    """Rasa's action reply schema, checked once, with its validator."""
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(self: Any, result: Dict[Text, Any]) -> bool:
    """``RemoteAction._validate_action_result`` with the validator built once."""
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(action_reply_validator().iter_errors(result))
    if error is not None:
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


_EVENT_CLASSES: Dict[Text, Any] = {}


def _event_classes() -> Dict[Text, Any]:
    """type_name -> the first concrete ``Event`` subclass with it, in Rasa's own order."""
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    table: Dict[Text, Any] = {}
    for cls in all_subclasses(Event):
        table.setdefault(cls.type_name, cls)
    return table


def resolve_event_type(type_name: Text, default: Optional[Type[Any]] = None) -> Optional[Type[Any]]:
    """``Event.resolve_by_type`` from a table instead of a walk of every subclass."""
    global _EVENT_CLASSES
    cls = _EVENT_CLASSES.get(type_name)
    if cls is None:
        _EVENT_CLASSES = _event_classes()
        cls = _EVENT_CLASSES.get(type_name)
    if cls is not None:
        return cls
    if type_name == "topic":
        return None  # Rasa's own backwards compatibility for old TopicSet events
    if default is not None:
        return default
    raise ValueError(f"Unknown event name '{type_name}'.")


def load_for_prediction(
    cls: Any,
    model_file_name: Text,
    model_data_example: Any,
    predict_data_example: Any = None,
    finetune_mode: bool = False,
    *args: Any,
    **kwargs: Any,
) -> Any:
    """``RasaModel.load`` without the training step, for a model that only predicts."""
    if finetune_mode or predict_data_example is None:
        return _rasa_model_load(
            cls,
            model_file_name,
            model_data_example,
            predict_data_example,
            finetune_mode,
            *args,
            **kwargs,
        )
    model = cls(*args, **kwargs)
    model.run_inference(predict_data_example)  # creates every weight prediction uses
    model.load_weights(model_file_name).expect_partial()  # the optimizer's are not wanted
    # The first pass cached label embeddings (and a traced step holding them) made from
    # untrained weights: drop both, and prepare again from the trained ones.
    model.prepared_for_prediction = False
    model._tf_predict_step = None
    model.run_inference(predict_data_example)
    return model


_rasa_model_load: Any = None


def _share_spacy_pipeline() -> None:
    """SpacyNLP gets our saved pipeline from bot.nlp.pipeline.shared_nlp; any other model
    name goes to Rasa's own loader."""
    from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP

    from bot.nlp.pipeline import is_saved_pipeline, refresh_shared_nlp

    rasa_load_model = SpacyNLP.load_model

    def load_model(spacy_model_name: Text) -> Any:
        if is_saved_pipeline(spacy_model_name):
            return SpacyModel(model=refresh_shared_nlp(), model_name=spacy_model_name)
        return rasa_load_model(spacy_model_name)

    SpacyNLP.load_model = staticmethod(load_model)


def install() -> None:
    global _INSTALLED, _rasa_model_load
    switch = os.environ.get(SWITCH_ENV, "").strip()
    if _INSTALLED or switch == "0":
        return
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import Event

    RemoteAction._validate_action_result = validate_action_result
    if switch != SCHEMA_ONLY:
        from rasa.utils.tensorflow.models import RasaModel

        Event.resolve_by_type = staticmethod(resolve_event_type)
        _rasa_model_load = RasaModel.load.__func__
        RasaModel.load = classmethod(load_for_prediction)
        _share_spacy_pipeline()
    if switch not in (SCHEMA_ONLY, NO_WINDOWS):
        from bot import action_payload, applied_events, rule_window, tracker_replay

        rule_window.install()
        action_payload.install()
        applied_events.install()
        tracker_replay.install()
    _INSTALLED = True
