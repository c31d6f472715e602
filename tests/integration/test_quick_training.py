"""The real `rasa train --finetune` refuses to start a quick training from a model that
never saw a topic now in the content, and the studio reads that refusal (then it trains in
full, tests/unit/studio/test_quick_training.py). Rasa stops in its first graph step, so
this takes seconds; a real quick training that passes every gate is the studio's
whole-loop test (tests/browser/test_studio_retrain.py)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from bot.environment import rasa_env
from bot.model_store import ensure_model, quick_model_name, quick_train_command
from bot.settings import PROJECT_ROOT
from bot.studio.training.job import finetune_refused, snapshot

pytestmark = [pytest.mark.integration]

NEW_TOPIC = """
- intent: a_topic_the_live_model_never_saw
  examples: |
    - a question about a topic added after the live model was trained
    - another question on that new topic
"""


def test_a_new_topic_makes_rasa_refuse_to_fine_tune_and_the_studio_sees_it(tmp_path: Path):
    pinned = os.environ.get("PIT_TEST_MODEL")
    base = Path(pinned) if pinned else ensure_model()
    content = snapshot(PROJECT_ROOT, tmp_path / "content")
    with open(content / "data" / "nlu" / "chitchat.yml", "a", encoding="utf-8") as nlu:
        nlu.write(NEW_TOPIC)
    out, log = tmp_path / "models", tmp_path / "log.txt"
    command = quick_train_command(content, out, "0000000000c1", base)
    with open(log, "wb") as handle:
        done = subprocess.run(
            command, cwd=PROJECT_ROOT, env=rasa_env(), stdout=handle, stderr=subprocess.STDOUT
        )
    assert done.returncode != 0, log.read_text(errors="replace")[-2000:]
    assert finetune_refused(log, 0), log.read_text(errors="replace")[-2000:]
    assert not (out / quick_model_name("0000000000c1", base)).exists()
