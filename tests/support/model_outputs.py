"""`python -m tests.support.model_outputs MODEL TEXTS_JSON OUT_JSON`: what a model's NLU says
for each text, loaded the way ``PIT_RASA_SPEEDUPS`` in the environment selects (as the Rasa
server loads it), written to OUT_JSON. Run in a fresh process per loader, because the loaders
are installed for the whole process.

The result goes to a file, not to stdout: Rasa logs to stdout too, and a parent reading two
of these one after the other got the second one's JSON cut short at the pipe's 64 KiB."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any, Dict, List


async def _parse(model: str, texts: List[str]) -> List[Dict[str, Any]]:
    from rasa.core.agent import Agent

    from bot.evaluation.nlu import prediction_numbers

    agent = Agent.load(model)
    return [prediction_numbers(await agent.parse_message(text)) for text in texts]


def main() -> int:
    from bot import rasa_speedups

    rasa_speedups.install()  # as bot/channels/rest.py does in the Rasa server
    model, texts_file, out_file = sys.argv[1], sys.argv[2], sys.argv[3]
    texts = json.loads(Path(texts_file).read_text(encoding="utf-8"))
    result = asyncio.run(_parse(model, texts))
    Path(out_file).write_text(json.dumps({"outputs": result}), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
