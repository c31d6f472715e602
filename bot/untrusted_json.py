"""JSON from outside (a request body, a socket.io field): every way it can be broken is one error.

``json.loads`` raises ValueError for bad syntax, UnicodeDecodeError for bytes that are not
UTF-8 (a ValueError too) and RecursionError for nesting a few thousand levels deep, which
fits well inside our 64 KB body limit (found by fuzzing). Callers turn NotJSON into a 400 or
a dropped event, never a 500.
"""

from __future__ import annotations

import json
from typing import Any, Union


class NotJSON(ValueError):
    """The input is not JSON we can read."""


def untrusted_json(data: Union[str, bytes, bytearray]) -> Any:
    """``json.loads(data)``, with any failure raised as NotJSON."""
    try:
        return json.loads(data)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise NotJSON("not valid JSON") from None
