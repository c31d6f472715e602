"""Issue 10's "done when", literally: `make run` with every channel's secrets set.

The other channel tests start the servers through bot.stack directly. This one starts the
assistant the way a clinic does, with `make run` (the Makefile's own target: the spaCy and
model checks, then `python -m bot run`, which prints the start-up text; only its package
install step is skipped, see SKIP_INSTALL), once for the whole module. All
four channels are on: their secrets are in the environment and every ``*_API_BASE`` points
at a fake provider API on loopback. Only what `make run` reads from the environment is set:
free ports (``PIT_RASA_PORT``, ``PIT_ACTIONS_PORT``, ``PIT_WEB_PORT``), a throw-away run
folder (``PIT_RUN_DIR``, which holds the tracker database) and a throw-away SQLite booking
and channel database (``PIT_DATABASE_URL``).

`make run` trains when no model matches the current data; this test never does (it would
take minutes): without such a model it is skipped, and `make test` trains one before.
Everything `make run` started is recorded from /proc and is stopped at the end, by process
id, even when a test fails.
"""

from __future__ import annotations

import base64
import os
import re
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterator, List

import pytest

from bot.bookings.config import DATABASE_URL_ENV
from bot.channels.registry import CHANNELS
from bot.content.faq import get_topics
from bot.environment import RUN_DIR_ENV
from bot.model_store import current_model
from bot.settings import PROJECT_ROOT
from bot.stack import free_port
from tests.integration.channels.conftest import stored_event_types
from tests.support.channel_clients import (
    MESSENGER,
    PUBLIC_BASE,
    TELEGRAM,
    TWILIO,
    WHATSAPP,
    ChannelUser,
    MessengerUser,
    TelegramUser,
    TwilioUser,
    WhatsAppUser,
    channel_env,
)
from tests.support.fake_providers import Call, FakeProviderApi
from tests.support.processes import ProcessKey, kill, process_tree, wait_until_gone

pytestmark = pytest.mark.integration

# `make run` gives up by itself when the servers take over 240 s (bot/stack.py); this only
# guards against a hang before that (its checks and model look-up come first).
START_TIMEOUT_S = 420.0
STOP_TIMEOUT_S = 60.0  # the runner stops three servers, each given 15 s (bot/stack.py)
QUIET_S = 3.0  # how long "nothing reached the provider" is waited for
RUNNING = "assistant is running"  # bot/runner.py, once every server answers
# A recursive `make` under `make test` must not try to join the outer make's job server.
MAKE_VARIABLES = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")
# `make run` without its `install` step (`-o install`: that prerequisite is taken as done).
# `make test` has installed before pytest runs, so there it would do nothing; but a .venv
# shared by git worktrees with other requirements would be re-installed (minutes, and
# changed under the other worktrees). Everything after it is `make run` as it is.
SKIP_INSTALL = ("-o", "install")

MakeUser = Callable[[str, FakeProviderApi], ChannelUser]
USERS: Dict[str, MakeUser] = {
    "sms": lambda url, fake: TwilioUser(url, fake),
    "twilio-whatsapp": lambda url, fake: TwilioUser(url, fake, whatsapp=True),
    "whatsapp": WhatsAppUser,
    "telegram": TelegramUser,
    "messenger": MessengerUser,
}
_TWILIO_BASIC = base64.b64encode(
    f"{TWILIO['TWILIO_ACCOUNT_SID']}:{TWILIO['TWILIO_AUTH_TOKEN']}".encode()
).decode()
# How each provider's API must be called: the secrets of that channel, not another's.
AUTHENTICATED: Dict[str, Callable[[Call], bool]] = {
    "twilio": lambda call: (
        call.path == f"/2010-04-01/Accounts/{TWILIO['TWILIO_ACCOUNT_SID']}/Messages.json"
        and call.headers.get("Authorization") == f"Basic {_TWILIO_BASIC}"
    ),
    "whatsapp": lambda call: (
        call.path == f"/v21.0/{WHATSAPP['WHATSAPP_PHONE_NUMBER_ID']}/messages"
        and call.headers.get("Authorization") == f"Bearer {WHATSAPP['WHATSAPP_ACCESS_TOKEN']}"
    ),
    "telegram": lambda call: call.path == f"/bot{TELEGRAM['TELEGRAM_BOT_TOKEN']}/sendMessage",
    "messenger": lambda call: (
        call.path == "/v21.0/me/messages"
        and call.headers.get("Authorization")
        == f"Bearer {MESSENGER['MESSENGER_PAGE_ACCESS_TOKEN']}"
    ),
}


def flat(text: str) -> str:
    """Whitespace collapsed: a medium may cut an answer into parts at sentence ends."""
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class MakeRun:
    """A running `make run`: its output so far, its addresses and its throw-away folders."""

    process: subprocess.Popen
    rasa_port: int
    ports: List[int]  # Rasa, action server, web page
    run_dir: Path
    fake: FakeProviderApi
    lines: List[str] = field(default_factory=list)
    started: threading.Event = field(default_factory=threading.Event)
    seen: Dict[ProcessKey, None] = field(default_factory=dict)  # every process of the run

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def tail(self, chars: int = 6000) -> str:
        """The end of the output without the libraries' deprecation warnings (two lines each)."""
        kept, skip = [], False
        for line in self.lines:
            if "DeprecationWarning" in line:
                skip = True
                continue
            if skip and line.startswith(" "):
                continue
            skip = False
            kept.append(line)
        return "".join(kept)[-chars:]

    def read_output(self) -> None:
        """Collect the output in a thread, so a full pipe never blocks the servers."""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            if RUNNING in line:
                self.started.set()

    def record_processes(self) -> None:
        self.seen.update(dict.fromkeys(process_tree(self.process.pid)))

    def stop(self) -> List[ProcessKey]:
        """SIGTERM to `make`'s group, as Ctrl-C does; whatever is left after that is killed.

        Returns the processes that had to be killed (none when `make run` stops cleanly)."""
        self.record_processes()
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        left = wait_until_gone(self.seen, STOP_TIMEOUT_S)
        kill(left)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            kill(self.seen)
            self.process.wait(timeout=10)
        return left


def start_make_run(tmp: Path, fake: FakeProviderApi) -> MakeRun:
    rasa_port, actions_port, web_port = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in MAKE_VARIABLES}
    env.update(channel_env(fake.url))
    env.update(
        {
            "PIT_RASA_PORT": str(rasa_port),
            "PIT_ACTIONS_PORT": str(actions_port),
            "PIT_WEB_PORT": str(web_port),
            RUN_DIR_ENV: str(tmp / "run"),
            DATABASE_URL_ENV: f"sqlite:///{tmp / 'pit.db'}",
            "PYTHONUNBUFFERED": "1",
        }
    )
    process = subprocess.Popen(
        ["make", "--no-print-directory", *SKIP_INSTALL, "run"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # one group to signal, as a terminal's Ctrl-C does
    )
    return MakeRun(process, rasa_port, [rasa_port, actions_port, web_port], tmp / "run", fake)


@pytest.fixture(scope="module")
def make_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MakeRun]:
    if current_model() is None:
        pytest.skip("no model for the current data: run `make train` (make run would train one)")
    fake = FakeProviderApi().start()
    run = start_make_run(tmp_path_factory.mktemp("make-run"), fake)
    reader = threading.Thread(target=run.read_output, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not run.started.wait(1.0):
            run.record_processes()
            if run.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"`make run` did not start; its output ends:\n{run.tail()}")
        run.record_processes()
        yield run
    finally:
        killed = run.stop()
        reader.join(timeout=10)
        fake.stop()
    assert not killed, f"still running after SIGTERM (killed): {killed}\n{run.tail(4000)}"


def test_start_up_lists_every_channel_with_its_webhook_url(make_run: MakeRun) -> None:
    output = make_run.output
    assert f"REST channel:           {make_run.rasa_url}/webhooks/rest/webhook" in output
    for channel in CHANNELS:
        url = PUBLIC_BASE + channel.webhook_path()  # PUBLIC_BASE_URL: what providers call
        line = rf"^\s+{re.escape(channel.label)}:\s+{re.escape(url)}$"
        assert re.search(line, output, re.MULTILINE), (channel.label, output[-3000:])
    assert "is off" not in output and "No messaging channel is on" not in output


def test_unsigned_or_wrongly_signed_questions_get_403_and_nothing_reaches_the_provider(
    make_run: MakeRun,
) -> None:
    users = [make(make_run.rasa_url, make_run.fake) for make in USERS.values()]
    calls_before = len(make_run.fake.calls)
    for user in users:
        for signature in (None, "wrong"):
            status, _ = user.deliver_text("does it hurt?", signature=signature)
            assert status == 403, (user.channel, signature)
    time.sleep(QUIET_S)  # replies are sent in the background: give them time to show up
    assert make_run.fake.calls[calls_before:] == []
    tracker = make_run.run_dir / "tracker.db"
    for user in users:
        assert stored_event_types(tracker, user.sender_id) == [], user.channel


@pytest.mark.parametrize("medium", list(USERS))
def test_a_signed_question_is_answered_through_the_provider_api(
    make_run: MakeRun, medium: str
) -> None:
    user = USERS[medium](make_run.rasa_url, make_run.fake)
    turn = user.say("does it hurt?")
    answer = get_topics()["does_it_hurt"].answers[0]
    assert flat(answer) in flat(turn.text)  # the pain FAQ answer, whole
    assert "automated assistant" in turn.text  # the disclosure opens the conversation
    assert all(AUTHENTICATED[user.channel](call) for call in turn.calls)


def port_is_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_a_second_sigterm_while_stopping_still_stops_everything(make_run: MakeRun) -> None:
    """Last in this file (it stops the run): systemd and container runtimes send SIGTERM to
    the whole process group, and may send it again while the assistant is stopping. A
    second signal used to abort the cleanup, leaving the servers holding their ports
    (issue 16, faults)."""
    assert all(port_is_taken(port) for port in make_run.ports)
    make_run.record_processes()
    os.killpg(make_run.process.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while "stopping ..." not in make_run.output:  # the runner is stopping the servers
        assert time.monotonic() < deadline, make_run.tail()
        time.sleep(0.05)
    os.killpg(make_run.process.pid, signal.SIGTERM)
    left = wait_until_gone(make_run.seen, STOP_TIMEOUT_S)
    assert not left, f"still running after two SIGTERMs: {left}\n{make_run.tail()}"
    assert "still stopping" in make_run.output and "Stopped." in make_run.output, make_run.tail()
    assert not any(port_is_taken(port) for port in make_run.ports), "a server kept its port"
