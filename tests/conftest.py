"""Shared fixtures. The `stack` fixture runs the real servers once per test session."""

from __future__ import annotations

from typing import Iterator

import pytest

from bot.stack import Stack  # importing bot sets the environment defaults (bot/environment.py)
from tests.support.rest import RestChat
from tests.support.stack import running_stack


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    """Action server + Rasa server (+ web page) with the model for the current data."""
    with running_stack(with_web=True) as started:
        yield started


@pytest.fixture
def chat(stack: Stack) -> RestChat:
    """A new REST conversation (fresh sender id) against the running stack."""
    return RestChat(stack.rest_url)
