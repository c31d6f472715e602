"""Run one function in several threads at once and collect what they raised.

Concurrency tests (two delivery workers, many patients) need the same frame: start every
thread, wait for all, and fail in the test's own thread, since an exception raised in a
worker thread would otherwise only be printed.
"""

from __future__ import annotations

import threading
from typing import Callable, List


def run_in_threads(
    count: int, target: Callable[[int], None], join_timeout: float = 60.0
) -> List[BaseException]:
    """Call ``target(0)`` ... ``target(count - 1)`` in parallel threads; return their errors."""
    errors: List[BaseException] = []

    def guarded(n: int) -> None:
        try:
            target(n)
        except BaseException as exc:  # noqa: BLE001 - reported by the caller
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(join_timeout)
    return errors
