"""`python -m tests.support.model_outputs MODEL TEXTS_JSON`: what a model's NLU says for
each text, loaded the way ``PIT_RASA_SPEEDUPS`` in the environment selects (as the Rasa
server loads it), printed as JSON with the process's memory. Run in a fresh process per
loader, because the loaders are installed for the whole process."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any, Dict, List


def memory_mib() -> Dict[str, int]:
    status = Path("/proc/self/status").read_text()
    return {key: int(status.split(f"{key}:")[1].split()[0]) // 1024 for key in ("VmRSS", "VmHWM")}


def outputs(parse: Dict[str, Any]) -> Dict[str, Any]:
    """Every number the NLU gives that an answer depends on."""
    selectors = {
        name: [(r.get("intent_response_key"), r.get("confidence")) for r in s.get("ranking", [])]
        for name, s in (parse.get("response_selector") or {}).items()
        if name != "all_retrieval_intents"
    }
    return {
        "intent": parse["intent"],
        "ranking": [(r["name"], r["confidence"]) for r in parse.get("intent_ranking", [])],
        "selectors": selectors,
        "entities": [(e["entity"], e.get("value")) for e in parse.get("entities", [])],
    }


async def _parse(model: str, texts: List[str]) -> List[Dict[str, Any]]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    return [outputs(await agent.parse_message(text)) for text in texts]


def main() -> int:
    from bot import rasa_speedups

    rasa_speedups.install()  # as bot/channels/rest.py does in the Rasa server
    model, texts_file = sys.argv[1], sys.argv[2]
    texts = json.loads(Path(texts_file).read_text(encoding="utf-8"))
    result = asyncio.run(_parse(model, texts))
    print(json.dumps({"outputs": result, "memory_mib": memory_mib()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
