"""Playwright driving Debian's chromium (never a downloaded browser), and the demo
page served in-process against a Rasa URL where nothing listens (for offline tests)."""

from __future__ import annotations

import shutil
import threading
from typing import Iterator

import pytest

from bot.stack import free_port
from bot.web.server import make_server

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these, chromium's own background connections are refused on a closed
    # network and slow everything down.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 820}
MOBILE = {"width": 390, "height": 780}


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("chromium is not installed: run `make browser` (apt-get install chromium)")
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator["object"]:
    # Module scope, not session: Playwright's sync API keeps an asyncio loop running in
    # this thread while it is open, which breaks every async test that runs after it.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def context(browser):
    """A fresh browser profile per test: empty localStorage, desktop size."""
    ctx = browser.new_context(viewport=DESKTOP)
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


@pytest.fixture(scope="session")
def offline_site() -> Iterator[str]:
    """The demo page, its widget pointed at a loopback port where no Rasa runs."""
    server = make_server("127.0.0.1", 0, f"http://127.0.0.1:{free_port()}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
