"""The action server's shared secret and default address (no server needed)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
import yaml
from rasa.utils.endpoints import read_endpoint_config

from bot import action_server
from bot.action_server import (
    TOKEN_ENV,
    TokenError,
    endpoint_config,
    ensure_token,
    is_authorized,
    required_token,
)
from bot.stack import Stack, write_endpoints
from tests.support.channel_clients import TELEGRAM

TOKEN = "s3cret-" + "x" * 30


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Bearer wrong",
        f"Basic {TOKEN}",
        f"Bearer {TOKEN[:-1]}",
        f"Bearer {TOKEN}x",
        f"Bearer {TOKEN.upper()}",
        "Bearer " + "é" * 40,
        TOKEN,
    ],
)
def test_anything_but_the_exact_secret_is_refused(header):
    assert not is_authorized(header, TOKEN)


@pytest.mark.parametrize("header", [f"Bearer {TOKEN}", f"bearer {TOKEN}", f"Bearer  {TOKEN} "])
def test_the_secret_is_accepted(header):
    assert is_authorized(header, TOKEN)


@pytest.mark.parametrize("value", [None, "", "short"])
def test_server_refuses_to_start_without_a_real_secret(value):
    env = {} if value is None else {TOKEN_ENV: value}
    with pytest.raises(TokenError, match=TOKEN_ENV):
        required_token(env)
    assert required_token({TOKEN_ENV: TOKEN}) == TOKEN


def test_a_fresh_random_secret_per_run_unless_one_is_set():
    first, second = {}, {}
    assert len(ensure_token(first)) >= 32 and first[TOKEN_ENV]
    assert ensure_token(second) != first[TOKEN_ENV]
    assert ensure_token({TOKEN_ENV: TOKEN}) == TOKEN


def test_rasa_reads_the_secret_from_the_environment_into_the_header(tmp_path, monkeypatch):
    """What Rasa 3.6 itself makes of our endpoints.yml: the header, secret filled in."""
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    path = tmp_path / "endpoints.yml"
    path.write_text(yaml.safe_dump({"action_endpoint": endpoint_config("http://x/webhook")}))
    assert TOKEN not in path.read_text()  # the file holds only the placeholder
    config = read_endpoint_config(str(path), "action_endpoint")
    assert config.headers == {"Authorization": f"Bearer {TOKEN}"}


def test_shipped_and_generated_endpoints_send_the_secret(tmp_path, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    shipped = Path(__file__).resolve().parents[2] / "endpoints.yml"
    generated = write_endpoints(tmp_path / "e.yml", "http://127.0.0.1:1/webhook", tmp_path / "t")
    for path in (shipped, generated):
        config = read_endpoint_config(str(path), "action_endpoint")
        assert config.headers["Authorization"] == f"Bearer {TOKEN}", path


def test_action_server_binds_loopback_by_default(monkeypatch, tmp_path):
    monkeypatch.delenv(action_server.HOST_ENV, raising=False)
    parser = argparse.ArgumentParser()
    action_server.register(parser.add_subparsers())
    assert parser.parse_args(["actions"]).host == "127.0.0.1"
    stack = Stack(model=tmp_path / "m", workdir=tmp_path)
    assert stack.actions_host == "127.0.0.1"
    command = next(p for p in stack._build() if p.name == "action server").command
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert "rasa_sdk" not in " ".join(command) and "actions" in command


def test_binding_elsewhere_needs_an_explicit_setting(monkeypatch, tmp_path):
    monkeypatch.setenv(action_server.HOST_ENV, "10.1.2.3")
    parser = argparse.ArgumentParser()
    action_server.register(parser.add_subparsers())
    assert parser.parse_args(["actions"]).host == "10.1.2.3"
    assert Stack(model=tmp_path / "m", workdir=tmp_path).actions_url == "http://10.1.2.3:5055"


def test_channel_secrets_given_only_to_the_servers_still_turn_their_channel_on(
    monkeypatch, tmp_path
):
    """A stack's ``extra_env`` reaches its servers only, and their credentials.yml agrees."""
    for name in TELEGRAM:
        monkeypatch.delenv(name, raising=False)
    off = Stack(model=tmp_path / "m", workdir=tmp_path / "off")
    on = Stack(model=tmp_path / "m", workdir=tmp_path / "on", extra_env=dict(TELEGRAM))
    for stack in (off, on):
        stack.workdir.mkdir()
        stack._build()
    off_text, on_text = ((s.workdir / "credentials.yml").read_text().lower() for s in (off, on))
    assert "telegram" not in off_text and "telegram" in on_text


def _real_action_call() -> dict:
    """An action call as Rasa 3.6 builds it, from a real tracker mid-conversation."""
    from rasa.shared.core.events import (
        ActionExecuted,
        ActiveLoop,
        SessionStarted,
        SlotSet,
        UserUttered,
    )
    from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

    tracker = DialogueStateTracker.from_events(
        "web-3f2a",
        [
            ActionExecuted("action_session_start"),
            SessionStarted(),
            ActionExecuted("action_listen"),
            UserUttered(
                "book a consultation",
                intent={"name": "request_booking", "confidence": 0.98},
                entities=[{"entity": "condition", "value": "sciatica", "start": 0, "end": 8}],
            ),
            ActiveLoop("booking_form"),
            SlotSet("request_name", "Sam Lee"),
        ],
    )
    return {
        "next_action": "action_submit_booking",
        "sender_id": tracker.sender_id,
        "tracker": tracker.current_state(EventVerbosity.ALL),
        "domain": {"intents": ["request_booking"]},
        "version": "3.6.21",
    }


def test_a_real_action_call_has_the_shape_we_accept():
    assert action_server._is_action_call(_real_action_call())


@pytest.mark.parametrize(
    "path, value",
    [
        (("tracker", "sender_id"), [1.5, None]),
        (("tracker", "slots"), [False, []]),
        (("tracker", "events"), 7),
        (("tracker", "events"), [{"event": "user", "parse_data": ["not", "a", "parse"]}]),
        (("tracker", "events"), ["session_started"]),
        (("tracker", "latest_message"), "hello"),
        (("tracker", "latest_message", "intent"), "request_booking"),
        (("tracker", "active_loop"), ["booking_form"]),
        (("domain",), []),
    ],
)
def test_fuzzed_tracker_fields_are_not_an_action_call(path, value):
    """Found by the fuzz benchmark: with the right secret, these failed inside the action
    (HTTP 500 from rasa-sdk); now they are refused as malformed (400) before any action runs."""
    call = _real_action_call()
    where = call
    for key in path[:-1]:
        where = where[key]
    where[path[-1]] = value
    assert not action_server._is_action_call(call)
