"""Ask the running assistant how its live model reads some texts (the studio's flags).

Goes to the Rasa server's ``studio_parse`` channel with the per-run secret. When the
server is not running or not reachable, the studio says the check could not be done;
it never blocks a save on it (the duplicate and test-set checks do not need the model).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import List, Optional, Sequence

from flask import current_app

from bot.channels.studio_parse import MAX_TEXTS, TOKEN_ENV

TIMEOUT_S = 10.0


def live_labels(texts: Sequence[str]) -> Optional[List[str]]:
    """The live model's label for each text (``faq/<topic>`` or an intent), or None."""
    token = os.environ.get(TOKEN_ENV, "")
    base = str(current_app.config.get("PIT_RASA_URL") or "").rstrip("/")
    if not texts:
        return []
    if not token or not base:
        return None
    labels: List[str] = []
    for start in range(0, len(texts), MAX_TEXTS):
        body = json.dumps({"texts": list(texts[start : start + MAX_TEXTS])}).encode()
        request = urllib.request.Request(
            f"{base}/webhooks/studio_parse/",
            data=body,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:  # noqa: S310
                found = json.loads(answer.read()).get("labels")
        except (urllib.error.URLError, OSError, ValueError):
            return None
        if not isinstance(found, list) or len(found) != len(texts[start : start + MAX_TEXTS]):
            return None
        labels.extend(str(label) for label in found)
    return labels
