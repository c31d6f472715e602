"""The real web process (`python -m bot web`) with a throw-away studio database, and
staff accounts made with the real `python -m bot staff add-user` command."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator

from bot.settings import PROJECT_ROOT
from bot.stack import free_port
from tests.support.cli import run_bot

PASSWORDS = {"ada": "first admin passphrase 1", "pat": "publisher passphrase 22"}
PASSWORDS["eddie"] = "an editor passphrase 333"
ROLES = {"ada": "admin", "pat": "publisher", "eddie": "editor"}


@dataclass
class StudioSite:
    url: str  # the web process's base URL, ending in '/'
    env: Dict[str, str]

    @property
    def studio(self) -> str:
        return self.url + "staff/"

    def staff(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
        """Run `python -m bot staff ...` against this site's database."""
        return run_bot(("staff", *args), self.env, stdin, real_process=True)


def _wait_until_up(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"the web process stopped while starting (exit {process.returncode})"
            )
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    raise RuntimeError(f"the web process did not answer on {url} within {timeout:.0f}s")


@contextlib.contextmanager
def running_studio() -> Iterator[StudioSite]:
    """The web process on a free port, its database in a temporary folder, three users."""
    with tempfile.TemporaryDirectory(prefix="pit-studio-") as workdir:
        env = dict(os.environ)
        env["PIT_DATABASE_URL"] = f"sqlite:///{Path(workdir) / 'studio.db'}"
        env["PIT_STUDIO_SECRET_KEY"] = "test-only-secret-" + os.urandom(16).hex()
        env["PYTHONPATH"] = str(PROJECT_ROOT)
        port = free_port()
        site = StudioSite(f"http://127.0.0.1:{port}/", env)
        for name, role in ROLES.items():
            done = site.staff(
                "add-user", name, "--role", role, "--password-stdin", stdin=PASSWORDS[name] + "\n"
            )
            if done.returncode != 0:
                raise RuntimeError(f"add-user {name} failed: {done.stderr}")
        log = open(Path(workdir) / "web.log", "w")
        # fmt: off
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "web", "--host", "127.0.0.1", "--port", str(port),
             "--rasa-url", f"http://127.0.0.1:{free_port()}", "--run-dir", workdir],
            env=env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT,
        )
        # fmt: on
        try:
            _wait_until_up(site.studio + "sign-in", process)
            yield site
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()
