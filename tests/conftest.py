"""Shared fixtures. The `stack` fixture runs the real servers once per test session."""

from __future__ import annotations

import os
from typing import Iterator

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

from bot.stack import Stack  # noqa: E402
from tests.support.rest import RestChat  # noqa: E402
from tests.support.stack import running_stack  # noqa: E402


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    """Action server + Rasa server (+ web page) with the model for the current data."""
    with running_stack(with_web=True) as started:
        yield started


@pytest.fixture
def chat(stack: Stack) -> RestChat:
    """A new REST conversation (fresh sender id) against the running stack."""
    return RestChat(stack.rest_url)
