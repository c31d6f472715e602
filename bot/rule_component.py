"""Base class for our NLU graph components that have nothing to learn.

Rasa asks every graph component to create itself and to pass the training data on.
For components whose knowledge is rules, catalogs or pretrained weights, the answers
are always the same, so they are written once here: merge the defaults with the
pipeline's settings, load what is slow to load at start-up (not on a patient's first
message), and leave the training data as it is.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Text, Type, TypeVar

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.training_data import TrainingData

RuleComponentT = TypeVar("RuleComponentT", bound="RuleComponent")


class RuleComponent(GraphComponent):
    """A component configured by ``config.yml`` and ready as soon as it is created."""

    def __init__(self, config: Optional[Dict[Text, Any]] = None) -> None:
        self.component_config: Dict[Text, Any] = {**self.get_default_config(), **(config or {})}

    @classmethod
    def create(
        cls: Type[RuleComponentT],
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RuleComponentT:
        component = cls(config)
        component.warm_up()
        return component

    def warm_up(self) -> None:
        """Build indexes or load models now; components that have any override this."""

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to learn: the training data passes through unchanged."""
        return training_data
