"""Shared fixtures. The `stack` fixture runs the real servers once per test session.

One stack serves every integration test that does not need other settings: REST,
socket.io, the web page, the studio, all four messaging channels (their APIs at a fake
provider on loopback) and the booking form, all on one throw-away database. Starting a
stack takes about a minute, so one shared stack instead of one per module keeps
`make test` inside its time budget. Only tests/integration/test_channel_limits.py
starts its own (it needs the shipped rate limits).
"""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path
from typing import Iterator

import pytest

from bot.bookings.config import DATABASE_URL_ENV
from bot.bookings.db import dispose_engines, upgrade_database
from bot.bookings.spool import SPOOL_DIR_ENV
from bot.content.responses import CONTENT_ROOT_ENV
from bot.model_store import STUDIO_MODELS_ENV
from bot.settings import PROJECT_ROOT
from bot.stack import Stack  # importing bot sets the environment defaults (bot/environment.py)
from bot.studio.app import SECRET_KEY_ENV
from tests.support.channel_clients import channel_env
from tests.support.fake_providers import FakeProviderApi
from tests.support.rest import RestChat
from tests.support.stack import running_stack


@pytest.fixture(scope="session", autouse=True)
def booking_spool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Requests kept while a database is down go to a throw-away folder, never to var/
    (and a developer's spooled requests never drain into a test database)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SPOOL_DIR_ENV, str(tmp_path_factory.mktemp("spool")))
        yield


@pytest.fixture(scope="session")
def stack_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The shared stack's own database (bookings, channels, studio): never var/pit.db."""
    url = f"sqlite:///{tmp_path_factory.mktemp('stack') / 'pit.db'}"
    upgrade_database(url)
    yield url
    dispose_engines()


@pytest.fixture(scope="session")
def fake_api() -> Iterator[FakeProviderApi]:
    """Twilio, Meta and Telegram's APIs, faked on loopback for the shared stack's channels."""
    api = FakeProviderApi().start()
    yield api
    api.stop()


@pytest.fixture(scope="session")
def stack_content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of domain.yml and data/ for the stack's studio: what tests publish is
    written there, never into the checkout (the model is trained on the real files)."""
    root = tmp_path_factory.mktemp("content")
    shutil.copy(PROJECT_ROOT / "domain.yml", root / "domain.yml")
    shutil.copytree(PROJECT_ROOT / "data", root / "data")
    return root


@pytest.fixture(scope="session")
def stack_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The stack studio's model folder (what it trains and publishes), never var/models."""
    return tmp_path_factory.mktemp("studio-models")


@pytest.fixture(scope="session")
def stack(
    stack_database: str, fake_api: FakeProviderApi, stack_content: Path, stack_models: Path
) -> Iterator[Stack]:
    """Action server + Rasa server + web page with the model for the current data.
    Its processes get a throw-away database and studio key and every channel's secrets,
    so tests (the fuzz tests of the action server and the studio among them) never
    write to the developer's var/ and never reach a real provider."""
    env = {
        **channel_env(fake_api.url),
        DATABASE_URL_ENV: stack_database,
        SECRET_KEY_ENV: secrets.token_urlsafe(32),
        CONTENT_ROOT_ENV: str(stack_content),
        STUDIO_MODELS_ENV: str(stack_models),
    }
    with running_stack(with_web=True, extra_env=env) as started:
        yield started


@pytest.fixture
def chat(stack: Stack) -> RestChat:
    """A new REST conversation (fresh sender id) against the running stack."""
    return RestChat(stack.rest_url)
