"""Ask the running Rasa server which model answers, and to swap to another one.

Goes to the server's ``studio_model`` channel (bot/channels/studio_model.py) with the
per-run secret. The swap call returns once the new model answers; the old one answers
until then.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from typing import Any, Dict, Optional

from bot.channels.studio_model import TOKEN_ENV

STATUS_TIMEOUT_S = 10.0
SWAP_TIMEOUT_S = 900.0
POLL_S = 1.0


class SwapError(Exception):
    """The server could not be asked, or refused; the message is for staff."""


def _call(rasa_url: str, body: Optional[Dict[str, Any]], timeout: float) -> Dict[str, Any]:
    token = os.environ.get(TOKEN_ENV, "")
    if not token or not rasa_url:
        raise SwapError("The studio does not know the assistant's server (start it with make run).")
    request = urllib.request.Request(
        f"{rasa_url.rstrip('/')}/webhooks/studio_model/",
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST" if body is not None else "GET",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            return json.loads(answer.read())
    except urllib.error.HTTPError as error:
        try:
            reason = json.loads(error.read()).get("error", "")
        except ValueError:
            reason = ""
        raise SwapError(f"The assistant's server refused ({error.code}): {reason}") from error
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise SwapError(f"The assistant's server did not answer ({error}).") from error


def live_model_name(rasa_url: str) -> Optional[str]:
    """The model file the server answers with, or None when it cannot be asked."""
    try:
        return _call(rasa_url, None, STATUS_TIMEOUT_S).get("model")
    except SwapError:
        return None


def swap_to(rasa_url: str, model_name: str, timeout: float = SWAP_TIMEOUT_S) -> float:
    """Load ``model_name`` beside the live model and switch to it; the seconds it took.

    The server loads in the background (202) and reports through ``GET``; this waits.
    """
    answer = _call(rasa_url, {"model": model_name}, STATUS_TIMEOUT_S)
    if answer.get("model") == model_name:
        return float(answer.get("seconds") or 0.0)  # it was live already
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(POLL_S)
        try:
            status = _call(rasa_url, None, STATUS_TIMEOUT_S)
        except SwapError:
            continue  # busy loading: ask again
        if status.get("loading"):
            continue
        last = status.get("last") or {}
        if status.get("model") == model_name:
            return float(last.get("seconds") or 0.0)
        still = f"The server still answers with {status.get('model')}."
        raise SwapError(str(last.get("error") or still))
    raise SwapError(f"Loading {model_name} took longer than {timeout:.0f} s.")
