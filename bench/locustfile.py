"""Locust users for `make bench`: patients chatting over Rasa's REST channel without pause.

Run by bench/load.py (headless, CSV into bench/results/), with the same messages and the
same settings for our assistant and for the `rasa init` anchor:

- ``PIT_BENCH_MESSAGES``: a JSON file with the list of messages (realistic patient questions);
- ``PIT_BENCH_CONVERSATION``: messages per conversation before the user starts a new one
  (real chats are short; Rasa's cost per message grows with the conversation);
- ``PIT_BENCH_ALLOW_EMPTY``: "1" for the anchor, whose trained policies sometimes answer a
  question with silence (a 200 with no messages).

A request fails when it is not a 200 with a list of messages, at least one unless
``PIT_BENCH_ALLOW_EMPTY`` is "1".
"""

from __future__ import annotations

import json
import os
import random
import uuid
from itertools import count

from locust import HttpUser, constant, task

MESSAGES = json.loads(open(os.environ["PIT_BENCH_MESSAGES"], encoding="utf-8").read())
PER_CONVERSATION = int(os.environ.get("PIT_BENCH_CONVERSATION", "10"))
# "1": a 200 with no messages is an answer (the starter bot's silence); ours must answer.
ALLOW_EMPTY = os.environ.get("PIT_BENCH_ALLOW_EMPTY", "0") == "1"
_USERS = count()


class Patient(HttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        number = next(_USERS)
        self.rng = random.Random(number)  # the same messages in every run
        self.sent = PER_CONVERSATION
        self.sender = ""

    @task
    def ask(self) -> None:
        if self.sent >= PER_CONVERSATION:
            self.sender, self.sent = f"bench-{uuid.uuid4().hex[:10]}", 0
        text = self.rng.choice(MESSAGES)
        with self.client.post(
            "/webhooks/rest/webhook",
            json={"sender": self.sender, "message": text},
            name="message",
            catch_response=True,
            timeout=120,
        ) as response:
            try:
                answer = response.json()
                ok = (
                    response.status_code == 200
                    and isinstance(answer, list)
                    and (bool(answer) or ALLOW_EMPTY)
                )
            except ValueError:
                ok = False
            if ok:
                response.success()
            else:
                response.failure(f"HTTP {response.status_code} or empty answer")
        self.sent += 1
