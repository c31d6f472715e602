"""Ask the running Rasa servers which model answers, and to swap to another one.

Goes to each server's ``studio_model`` channel (bot/channels/studio_model.py) with the
per-run secret. The swap call returns once the new model answers; the old one answers
until then. With several servers (``make run-cluster``: ``PIT_RASA_SERVERS``) they swap one
at a time, so only one loads a model at once; if one fails, the ones already swapped are put
back, so patients never get two models at once for longer than a swap takes.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from typing import Any, Dict, List, Mapping, Optional, Sequence

from bot.channels.studio_model import TOKEN_ENV

STATUS_TIMEOUT_S = 10.0
SWAP_TIMEOUT_S = 900.0
POLL_S = 1.0
# Comma-separated URLs of every Rasa server, each reached directly (not through a load
# balancer, which would pick one at random); unset: the one server of ``rasa_url``.
SERVERS_ENV = "PIT_RASA_SERVERS"


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


def rasa_servers(rasa_url: str) -> List[str]:
    """Every Rasa server the studio must swap: ``PIT_RASA_SERVERS`` or ``rasa_url``."""
    listed = [url.strip() for url in os.environ.get(SERVERS_ENV, "").split(",") if url.strip()]
    return listed or [rasa_url]


def live_models(servers: Sequence[str]) -> Dict[str, Optional[str]]:
    """Each server's model (None for one that cannot be asked), asked once."""
    return {url: live_model_name(url) for url in servers}


def first_of(models: Mapping[str, Optional[str]]) -> Optional[str]:
    """The model the servers answer with: the first that answered (after a failed swap was
    put back they all agree; a server that is starting again is skipped)."""
    return next((name for name in models.values() if name), None)


def first_live_model(servers: Sequence[str]) -> Optional[str]:
    """:func:`first_of` the servers, stopping at the first that answers."""
    for url in servers:
        name = live_model_name(url)
        if name:
            return name
    return None


def swap_all(
    servers: Sequence[str],
    model_name: str,
    timeout: float = SWAP_TIMEOUT_S,
    before: Optional[Mapping[str, Optional[str]]] = None,
) -> float:
    """Swap every server to ``model_name``, one at a time; the seconds the slowest took.

    If one fails, the servers already swapped go back to the model they had (``before``,
    from :func:`live_models`; asked here when not given), and the error says which server
    failed."""
    before = dict(before) if before is not None else live_models(servers)
    swapped: List[str] = []
    slowest = 0.0
    for number, url in enumerate(servers, start=1):
        try:
            slowest = max(slowest, swap_to(url, model_name, timeout))
        except SwapError as error:
            put_back = _put_back(swapped, before, timeout)
            where = f"server {number} of {len(servers)}: " if len(servers) > 1 else ""
            raise SwapError(f"{where}{error}{put_back}") from error
        swapped.append(url)
    return slowest


def _put_back(swapped: Sequence[str], before: Dict[str, Optional[str]], timeout: float) -> str:
    """Return the already-swapped servers to their old model; a note for the error."""
    failed = []
    for url in swapped:
        old = before.get(url)
        try:
            if not old:
                raise SwapError("its model before the swap is not known")
            swap_to(url, old, timeout)
        except SwapError:
            failed.append(url)
    if not swapped:
        return ""
    if failed:
        return f" Could not put back the old model on {', '.join(failed)}: restart it."
    return " The servers already swapped were put back to the old model."
