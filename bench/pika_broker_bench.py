"""Rasa's Pika event broker against ours (bot/studio/inbox/pika_broker.py) on a busy event loop.

A Rasa server under load spends its event loop's turns in synchronous work: one long
stretch per patient message (NLU and policies) and many short ones between its awaits
(tracker store, lock store, action server), and then it publishes the message's events,
about fifteen, when it saves the tracker. This stands in for that: per message,
``--nlu-ms`` of blocking work, ``--awaits`` turns of ``--busy-ms`` each, then
``--events-per-message`` events, without pause for ``--seconds``, against the real
RabbitMQ at 127.0.0.1:5672 (each run in a queue of its own, deleted afterwards). Every run
is a fresh process, so its memory is its own; the two brokers alternate, ``--repeats``
times each, and the medians are reported side by side.

Reported per broker: events made, events that reached RabbitMQ's queue by the end of the
load, the backlog left (made minus arrived), seconds to clear it after the load, and
the growth of the process's resident memory (RSS) during the load.

    make bench-pika-broker
    .venv/bin/python bench/pika_broker_bench.py --seconds 10 --repeats 1   # a quick look
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aio_pika  # noqa: E402
import rasa.shared.core.events  # noqa: E402,F401  (Rasa's broker needs it; a Rasa server has it)
from rasa.core.brokers.pika import PikaEventBroker  # noqa: E402

from bench.common import machine, write_result  # noqa: E402
from bot.studio.inbox.pika_broker import PipelinedPikaEventBroker  # noqa: E402

KINDS = {"rasa": PikaEventBroker, "ours": PipelinedPikaEventBroker}
TITLES = {"rasa": "Rasa's PikaEventBroker", "ours": "ours (PipelinedPikaEventBroker)"}
LOGIN = {"host": "127.0.0.1", "login": "guest", "password": "guest"}


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def arrived(queue_name: str) -> int:
    connection = await aio_pika.connect(**LOGIN)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(queue_name, durable=True, passive=True)
        return int(queue.declaration_result.message_count or 0)


async def delete(queue_name: str, exchange_name: str) -> None:
    connection = await aio_pika.connect(**LOGIN)
    async with connection:
        channel = await connection.channel()
        await channel.queue_delete(queue_name)
        await channel.exchange_delete(exchange_name)


async def one_run(kind: str, args: argparse.Namespace) -> Dict[str, Any]:
    tag = uuid.uuid4().hex[:10]
    queue_name, exchange_name = f"pit_bench_{tag}", f"pit-bench-{tag}"
    broker = KINDS[kind](
        "127.0.0.1",
        "guest",
        "guest",
        queues=[queue_name],
        exchange_name=exchange_name,
        event_loop=asyncio.get_running_loop(),
    )
    await broker.connect()
    event = {"sender_id": "bench", "event": "user", "text": "does it hurt? " * 8, "timestamp": 0}
    try:
        await asyncio.sleep(0.5)
        rss_before, made, started = rss_mib(), 0, time.monotonic()
        while time.monotonic() - started < args.seconds:
            time.sleep(args.nlu_ms / 1000)  # NLU and policies: one long blocking stretch
            for _ in range(args.awaits):  # the message's awaits, short work between them
                await asyncio.sleep(0)
                time.sleep(args.busy_ms / 1000)
            for _ in range(args.events_per_message):  # the tracker is saved: its new events
                broker.publish({**event, "n": made})
                made += 1
            await asyncio.sleep(0)
        rss_after = rss_mib()
        at_end = await arrived(queue_name)
        cleared = time.monotonic()
        while await arrived(queue_name) < made and time.monotonic() - cleared < 120:
            await asyncio.sleep(0.1)
        clear_s = time.monotonic() - cleared
        final = await arrived(queue_name)
        await broker.close()
    finally:
        await delete(queue_name, exchange_name)
    return {
        "kind": kind,
        "made": made,
        "made_per_s": made / args.seconds,
        "arrived_by_end": at_end,
        "backlog_at_end": made - at_end,
        "clear_s": clear_s,
        "arrived_finally": final,
        "rss_growth_mib": rss_after - rss_before,
    }


def run_child(kind: str, args: argparse.Namespace) -> Dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "--one",
        kind,
        "--seconds",
        str(args.seconds),
        "--nlu-ms",
        str(args.nlu_ms),
        "--awaits",
        str(args.awaits),
        "--busy-ms",
        str(args.busy_ms),
        "--events-per-message",
        str(args.events_per_message),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=args.seconds + 300)
    if done.returncode != 0:
        raise SystemExit(f"{kind} run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(runs: List[Dict[str, Any]], args: argparse.Namespace) -> str:
    def median(kind: str, key: str) -> float:
        return statistics.median(r[key] for r in runs if r["kind"] == kind)

    rows = [
        ("events made per second", "made_per_s", "{:.0f}"),
        ("backlog at the end of the load (events)", "backlog_at_end", "{:.0f}"),
        ("seconds to clear it after the load", "clear_s", "{:.1f}"),
        ("events lost (made minus arrived in the end)", None, "{:.0f}"),
        ("RSS growth during the load, MiB", "rss_growth_mib", "{:.1f}"),
    ]
    lines = [
        f"# Pika event broker on a busy event loop ({datetime.now(timezone.utc).isoformat()})",
        "",
        f"Machine: {machine()}. RabbitMQ at 127.0.0.1:5672 (durable queue, persistent "
        f"messages; Rasa's broker waits for publisher confirms, ours for one round trip "
        f"per batch). Each message: {args.nlu_ms} ms of blocking work, "
        f"{args.awaits} awaits with {args.busy_ms} ms of work after each, then "
        f"{args.events_per_message} events; {args.seconds:.0f} s per run; the two brokers "
        f"alternate, {args.repeats} runs each, each in a fresh process; medians. Command: "
        f"`make bench-pika-broker` (`bench/pika_broker_bench.py`).",
        "",
        f"| | {TITLES['rasa']} | {TITLES['ours']} |",
        "|---|---|---|",
    ]
    for title, key, fmt in rows:
        if key is None:
            values = [
                statistics.median(r["made"] - r["arrived_finally"] for r in runs if r["kind"] == k)
                for k in ("rasa", "ours")
            ]
        else:
            values = [median(k, key) for k in ("rasa", "ours")]
        lines.append(f"| {title} | {fmt.format(values[0])} | {fmt.format(values[1])} |")
    lines += ["", "Runs:", "", "```", *(json.dumps(r) for r in runs), "```", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--nlu-ms", type=float, default=20.0)
    parser.add_argument("--awaits", type=int, default=20)
    parser.add_argument("--busy-ms", type=float, default=1.0)
    parser.add_argument("--events-per-message", type=int, default=15)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--one", choices=sorted(KINDS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        result = asyncio.run(one_run(args.one, args))
        print(json.dumps(result))
        return 0
    runs = [run_child(kind, args) for _ in range(args.repeats) for kind in ("rasa", "ours")]
    text = report(runs, args)
    write_result("pika-broker", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
