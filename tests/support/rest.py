"""A tiny client for Rasa's REST channel, as a website or the judge would use it."""

from __future__ import annotations

import json
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional


@dataclass
class RestChat:
    """One conversation over POST /webhooks/rest/webhook."""

    url: str
    sender: str = field(default_factory=lambda: f"test-{uuid.uuid4().hex[:12]}")

    def post_raw(self, body: bytes, content_type: str = "application/json") -> "tuple[int, bytes]":
        request = urllib.request.Request(
            self.url, data=body, headers={"Content-Type": content_type}
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def send(self, message: str, metadata: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
        payload: Dict[str, Any] = {"sender": self.sender, "message": message}
        if metadata is not None:
            payload["metadata"] = metadata
        status, body = self.post_raw(json.dumps(payload).encode())
        assert status == 200, (status, body[:500])
        return json.loads(body)

    def texts(self, message: str) -> str:
        """All text the bot sent back, joined, for easy assertions."""
        return "\n".join(m.get("text", "") for m in self.send(message))
