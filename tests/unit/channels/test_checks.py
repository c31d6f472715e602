"""Signatures, typed-text rules, SMS keywords and the channel registry, without servers."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from twilio.request_validator import RequestValidator

from bot.channels.inbound import as_typed_text, numbered_choice
from bot.channels.keywords import HELP, START, STOP, keyword
from bot.channels.meta import meta_signature_ok
from bot.channels.registry import CHANNELS, describe, enabled_channels, write_credentials
from bot.channels.render import split_text
from bot.channels.store import Offer
from bot.channels.twilio import twilio_signature
from bot.settings import PROJECT_ROOT
from tests.support.channel_clients import channel_env, meta_signature


def test_our_twilio_signature_matches_twilios_own_library():
    url = "https://chat.clinic.example/webhooks/twilio/webhook"
    params = {"From": "+15551230000", "Body": "does it hurt?", "MessageSid": "SM1", "NumMedia": "0"}
    expected = RequestValidator("token-1").compute_signature(url, params)
    assert twilio_signature("token-1", url, {k: [v] for k, v in params.items()}) == expected
    assert twilio_signature("token-2", url, {k: [v] for k, v in params.items()}) != expected


def test_meta_signature_is_checked_over_the_raw_body():
    body = b'{"object": "page"}'
    assert meta_signature_ok("meta-app-secret", body, meta_signature(body))
    assert not meta_signature_ok("meta-app-secret", body + b" ", meta_signature(body))
    assert not meta_signature_ok("meta-app-secret", body, "sha1=" + meta_signature(body)[7:])
    assert not meta_signature_ok("", body, meta_signature(body, ""))
    assert not meta_signature_ok("meta-app-secret", body, "")


@pytest.mark.parametrize(
    "typed, sent",
    [
        ('/book_consultation{"request_name": "x"}', 'book_consultation{"request_name": "x"}'),
        ("  //restart", "restart"),
        ("/", ""),
        ("does it hurt? /s", "does it hurt? /s"),
    ],
)
def test_typed_text_never_starts_with_a_slash(typed, sent):
    assert as_typed_text(typed) == sent


def test_numbers_select_only_from_options_shown_with_numbers():
    numbered = Offer("abcd1234", ["/a", "/b"], numbered=True)
    assert numbered_choice("2", numbered) == "/b"
    assert numbered_choice(" 1. ", numbered) == "/a"
    assert numbered_choice("3", numbered) is None
    assert numbered_choice("1 or 2", numbered) is None
    assert numbered_choice("1", Offer("abcd1234", ["/a"], numbered=False)) is None
    assert numbered_choice("1", None) is None


@pytest.mark.parametrize(
    "text, word",
    [
        ("STOP", STOP),
        ("stop!", STOP),
        ("Unsubscribe", STOP),
        ("start", START),
        ("HELP", HELP),
        ("stop the booking", None),
        ("cancel", None),  # ends a booking form in this assistant, see keywords.py
        ("help me book", None),
    ],
)
def test_sms_keywords_are_whole_messages(text, word):
    assert keyword(text) == word


def test_a_channel_is_on_only_when_all_its_secrets_are_set(tmp_path: Path):
    env = channel_env("http://127.0.0.1:1")
    assert [c.name for c in enabled_channels(env)] == [c.name for c in CHANNELS]
    partial = {k: v for k, v in env.items() if k != "TELEGRAM_SECRET_TOKEN"}
    assert "telegram" not in [c.name for c in enabled_channels(partial)]
    assert "Telegram is off: TELEGRAM_SECRET_TOKEN not set" in describe(partial, "http://x")

    written = write_credentials(PROJECT_ROOT / "credentials.yml", tmp_path / "c.yml", partial)
    config = yaml.safe_load(written.read_text())
    assert "bot.channels.telegram.TelegramChannel" not in config
    web_channels = {
        "bot.channels.rest.GuardedRestInput",
        "bot.channels.socketio.GuardedSocketIOInput",
        # Not for patients: the studio's parse and model swap, refused without their
        # per-run secrets.
        "bot.channels.studio_parse.StudioParseInput",
        "bot.channels.studio_model.StudioModelInput",
    }
    assert "bot.channels.twilio.TwilioChannel" in config and web_channels <= set(config)
    none = yaml.safe_load(
        write_credentials(PROJECT_ROOT / "credentials.yml", tmp_path / "n.yml", {}).read_text()
    )
    assert set(none) == web_channels  # always on, secrets or not


def test_startup_lines_show_each_webhook_at_the_public_url():
    lines = describe(channel_env("http://127.0.0.1:1"), "http://127.0.0.1:5005")
    assert "https://chat.clinic.test/webhooks/twilio/webhook" in "\n".join(lines)
    assert len([line for line in lines if "/webhooks/" in line]) == 4


def test_split_text_keeps_short_text_whole_and_cuts_overlong_words():
    assert split_text("One. Two.", 100) == ["One. Two."]
    assert split_text("", 10) == []
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_telegram_webhook_command_registers_our_url_and_secret(fake_api, monkeypatch, capsys):
    from bot.__main__ import main

    for name, value in channel_env(fake_api.url).items():
        monkeypatch.setenv(name, value)
    assert main(["channels", "telegram-webhook", "--drop-pending"]) == 0
    [call] = fake_api.calls
    assert call.path == "/bot12345:telegram-bot-token/setWebhook"
    assert call.json == {
        "url": "https://chat.clinic.test/webhooks/telegram/webhook",
        "secret_token": "tg-secret",
        "allowed_updates": ["message", "callback_query"],
        "drop_pending_updates": True,
    }
    assert "https://chat.clinic.test/webhooks/telegram/webhook" in capsys.readouterr().out

    monkeypatch.setenv("PUBLIC_BASE_URL", "http://insecure.example")
    assert main(["channels", "telegram-webhook"]) == 1  # Telegram only calls https URLs
    assert main(["channels"]) == 0
