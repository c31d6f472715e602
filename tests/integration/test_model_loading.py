"""The Rasa server loads DIET and the ResponseSelector for prediction without Rasa's
one-example training step (bot/rasa_speedups.py): every confidence it gives must be the
same, to the last bit, as with Rasa's own loading."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.evaluation.nlu import load_examples
from bot.model_store import ensure_model
from bot.rasa_speedups import SCHEMA_ONLY, SWITCH_ENV
from bot.settings import PROJECT_ROOT


def test_answers_are_identical_with_rasas_loading_and_ours(tmp_path: Path):
    pinned = os.environ.get("PIT_TEST_MODEL")
    model = Path(pinned) if pinned else ensure_model()
    texts = [e.text for e in load_examples()][:120]
    texts += ["", "a" * 3000, "¿me duele? 🙂", "'; DROP TABLE events; --", "\u202e\u0000x"]
    texts_file = tmp_path / "texts.json"
    texts_file.write_text(json.dumps(texts), encoding="utf-8")
    runs = {}
    for name, switch in (("rasa", SCHEMA_ONLY), ("ours", "1")):
        env = {**os.environ, SWITCH_ENV: switch}
        out_file = tmp_path / f"{name}.json"
        command = [
            sys.executable,
            "-m",
            "tests.support.model_outputs",
            str(model),
            str(texts_file),
            str(out_file),
        ]
        log = (tmp_path / f"{name}.log").open("wb")
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        runs[name] = (process, out_file, log)
    results = {}
    for name, (process, out_file, log) in runs.items():
        process.wait(timeout=900)
        log.close()
        log_text = Path(log.name).read_text(errors="replace")
        assert process.returncode == 0, log_text[-3000:]
        results[name] = json.loads(out_file.read_text(encoding="utf-8"))
    ours, rasa = results["ours"]["outputs"], results["rasa"]["outputs"]
    assert len(ours) == len(texts)
    for text, a, b in zip(texts, ours, rasa, strict=True):
        assert a == b, text
    # The comparison has something to compare: FAQ questions reach the response selector.
    assert sum(1 for o in ours if o["selectors"]) > len(texts) // 2
