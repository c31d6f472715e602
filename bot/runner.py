"""`make run`: build what is missing, then run the whole assistant until Ctrl-C or SIGTERM."""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from dataclasses import dataclass
from types import FrameType
from typing import Callable, Mapping, Optional, Tuple, Type

from sqlalchemy.engine import make_url

from bot.bookings import service as bookings
from bot.bookings.delivery import BackgroundWorker
from bot.channels import registry as channels
from bot.environment import RUN_DIR, RUN_DIR_ENV, run_dir
from bot.model_store import ensure_model, studio_live_model
from bot.privacy.retention import RetentionJob, start_retention_job
from bot.settings import ClinicSettings, get_settings
from bot.stack import Stack

__all__ = [
    "RUN_DIR",
    "RUN_DIR_ENV",
    "run",
    "channels_and_privacy",
    "print_privacy_log",
    "serve",
]  # RUN_DIR_ENV: tests import it from here


class _Stop(Exception):
    pass


def _raise_stop(signum: int, frame: Optional[FrameType]) -> None:
    # Switch handlers before anything else: a second signal that lands while we print
    # "stopping ..." must not raise again and skip the cleanup.
    _finish_cleanup_whatever_arrives()
    raise _Stop(signal.Signals(signum).name)


def _already_stopping(signum: int, frame: Optional[FrameType]) -> None:
    # systemd and container runtimes may signal again while we stop: raising here would
    # abort the cleanup and leave the servers holding their ports.
    print(f"Received {signal.Signals(signum).name} again; still stopping ...", flush=True)


def _finish_cleanup_whatever_arrives() -> None:
    signal.signal(signal.SIGTERM, _already_stopping)
    signal.signal(signal.SIGINT, _already_stopping)


def channels_and_privacy(settings: ClinicSettings, env: Mapping[str, str], base_url: str) -> str:
    """The start-up lines `make run` and `make run-cluster` share: each messaging channel's
    webhook URL on ``base_url`` (what patients' providers call) and the retention rule."""
    privacy = settings.privacy
    return (
        "  Messaging channels (webhook URLs to give each provider):\n"
        + "".join(f"    {line}\n" for line in channels.describe(env, base_url))
        + f"  Privacy: conversations and booking requests older than "
        f"{privacy.retention_days} days are deleted every {privacy.purge_every_hours} h.\n"
    )


def print_privacy_log() -> None:
    """What the retention job deletes is shown with the rest of `make run`'s output."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    log = logging.getLogger("bot.privacy")
    log.setLevel(logging.INFO)
    log.addHandler(handler)


@dataclass
class Background:
    """What runs in this process beside the servers: delivery to the clinic, the privacy job."""

    worker: Optional[BackgroundWorker] = None
    retention: Optional[RetentionJob] = None

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()
        if self.retention is not None:
            self.retention.stop()


def serve(
    start: Callable[[Background], None],
    stopped: Callable[[], Optional[str]],
    stop: Callable[[], None],
    start_errors: Tuple[Type[Exception], ...] = (RuntimeError,),
) -> int:
    """Start the servers, watch them until Ctrl-C or SIGTERM, then stop everything.

    ``start`` starts them (and what runs beside them, in ``Background``); ``stopped`` names
    a process whose stopping ends the whole run (None: all is well); ``stop`` stops them.
    Shared by `make run` and `make run-cluster`, so both stop the same way."""
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    background = Background()
    try:
        start(background)
        while True:
            name = stopped()
            if name is not None:
                print(f"The {name} stopped unexpectedly; stopping everything.", flush=True)
                return 1
            time.sleep(1)
    except _Stop as signalled:
        print(f"\nReceived {signalled}; stopping ...", flush=True)
        return 0
    except start_errors as error:
        print(f"Could not start: {error}", flush=True)
        return 1
    finally:
        _finish_cleanup_whatever_arrives()
        stop()
        background.stop()
        print("Stopped.", flush=True)


def run(rasa_port: int, actions_port: int, web_port: int, host: str = "127.0.0.1") -> int:
    settings = get_settings()  # fail early, with a clear message, on a broken clinic.yml
    model = studio_live_model()
    if model is not None:
        print(f"Starting with the model published in the studio: {model.name}", flush=True)
    else:
        model = ensure_model()
    workdir = run_dir()
    stack = Stack(
        model=model,
        workdir=workdir,
        rasa_port=rasa_port,
        actions_port=actions_port,
        web_port=web_port,
        host=host,
    )
    started = time.monotonic()

    def start(background: Background) -> None:
        url = make_url(bookings.prepare_database(settings))
        print(
            f"Booking requests are stored in {url.render_as_string(hide_password=True)}", flush=True
        )
        background.worker = bookings.start_worker(settings)  # delivers requests, with retries
        print("Starting the action server, the Rasa server and the web page ...", flush=True)
        stack.start()
        print_privacy_log()
        background.retention = start_retention_job(settings, workdir)  # now, then periodically
        print(
            "\n"
            f"  {settings.name} assistant is running "
            f"({time.monotonic() - started:.0f}s to start).\n"
            f"  Chat on the demo page:  {stack.web_url}\n"
            f"  Staff studio:           {stack.web_url}staff/\n"
            f"  REST channel:           {stack.rest_url}\n"
            + channels_and_privacy(settings, os.environ, stack.rasa_url)
            + f"  Conversations stored in {workdir / 'tracker.db'}\n"
            "  Press Ctrl-C to stop.\n",
            flush=True,
        )

    def stopped() -> Optional[str]:
        process = stack.first_exit()
        return process.name if process is not None else None

    return serve(start, stopped, stack.stop)
