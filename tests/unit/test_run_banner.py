"""The start-up lines `make run` and `make run-cluster` share: webhook URLs and privacy."""

from __future__ import annotations

from bot.channels.registry import CHANNELS
from bot.runner import channels_and_privacy
from bot.settings import get_settings


def test_lists_each_channel_that_is_on_with_its_webhook_url_and_the_retention_rule() -> None:
    settings = get_settings()
    telegram = next(c for c in CHANNELS if c.name == "telegram")
    env = dict.fromkeys(telegram.secrets, "x")
    text = channels_and_privacy(settings, env, "http://127.0.0.1:8000")
    assert f"http://127.0.0.1:8000{telegram.webhook_path()}" in text
    for other in CHANNELS:  # only what is on is listed
        assert (other.webhook_path() in text) == (other is telegram)
    days = settings.privacy.retention_days
    assert (
        f"older than {days} days are deleted every {settings.privacy.purge_every_hours} h" in text
    )


def test_says_how_to_switch_channels_on_when_none_is_and_honours_the_public_url() -> None:
    settings = get_settings()
    assert "No messaging channel is on" in channels_and_privacy(settings, {}, "http://h:1")
    telegram = next(c for c in CHANNELS if c.name == "telegram")
    env = dict.fromkeys(telegram.secrets, "x")
    env["PUBLIC_BASE_URL"] = "https://chat.clinic.example"
    text = channels_and_privacy(settings, env, "http://127.0.0.1:8000")
    assert f"https://chat.clinic.example{telegram.webhook_path()}" in text
