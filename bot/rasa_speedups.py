"""Work Rasa 3.6 repeats for every message, done once: installed in the Rasa server.

``RemoteAction._validate_action_result`` calls ``jsonschema.validate`` on each action
server reply. That function first checks the *schema itself* against the JSON-Schema
meta-schema, and Rasa's event schema is large: on this machine it cost about 65 ms of
CPU per message, a third of the Rasa server's time (bench/results/profile-2026-12-02.md).
The schema never changes, so here it is checked once and its validator kept. Replies are
validated exactly as before, with the same error (``jsonschema.validate`` raises the best
match of the validator's errors) and Rasa's same hint appended.

Installed when the Rasa server imports our channels (bot/channels/rest.py, always on);
the action server never imports Rasa, so it is not touched.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any, Dict, Text

_INSTALLED = False
# "0" leaves Rasa's own check in place: only for benchmarks that compare the two.
SWITCH_ENV = "PIT_RASA_SPEEDUPS"


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


def install() -> None:
    global _INSTALLED
    if _INSTALLED or os.environ.get(SWITCH_ENV, "").strip() == "0":
        return
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = validate_action_result
    _INSTALLED = True
