"""Where a Rasa server's memory goes: tracemalloc snapshots on demand (diagnosis only).

Put this folder first on PYTHONPATH and set PIT_TRACEMALLOC to a folder: every Rasa server
started then (not action servers, not other Python processes) traces its allocations, and
each time a file ``take-LABEL.flag`` appears in that folder it writes
``snap-PID-LABEL.tm`` there, with its RSS and traced memory in ``rss-PID.txt``. Compare two
snapshots with ``tracemalloc.Snapshot.load(...).compare_to(other, "lineno")``. Tracing makes
the server several times slower: use it to find a leak, never to time anything.

    PIT_TRACEMALLOC=/tmp/tm PYTHONPATH=bench/tracemalloc .venv/bin/python bench/soak_bench.py
    touch /tmp/tm/take-a.flag   # a minute into the load; take-b.flag near its end

How bench/results/soak-memory-2026-12-03.md was found.
"""

import glob
import os
import sys
import threading
import time

_FOLDER = os.environ.get("PIT_TRACEMALLOC")
_COMMAND = " ".join(getattr(sys, "orig_argv", sys.argv))


def _is_rasa_server() -> bool:
    return "rasa" in _COMMAND and " run" in _COMMAND and "actions" not in _COMMAND


def _watch(folder: str) -> None:
    import tracemalloc

    taken = set()
    while True:
        time.sleep(1)
        for flag in glob.glob(os.path.join(folder, "take-*.flag")):
            label = os.path.basename(flag)[len("take-") : -len(".flag")]
            if label in taken:
                continue
            taken.add(label)
            pid = os.getpid()
            tracemalloc.take_snapshot().dump(os.path.join(folder, f"snap-{pid}-{label}.tm"))
            with open(f"/proc/{pid}/status") as status:
                rss = next(line.split()[1] for line in status if line.startswith("VmRSS"))
            current, peak = tracemalloc.get_traced_memory()
            with open(os.path.join(folder, f"rss-{pid}.txt"), "a") as log:
                log.write(f"{label} rss_kib={rss} traced={current} peak={peak}\n")


if _FOLDER and _is_rasa_server():
    import tracemalloc

    os.makedirs(_FOLDER, exist_ok=True)
    tracemalloc.start(8)
    threading.Thread(target=_watch, args=(_FOLDER,), name="pit-tracemalloc", daemon=True).start()
