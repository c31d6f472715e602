"""`python -m bot channels`: which messaging channels are on, and Telegram's webhook set-up."""

from __future__ import annotations

import argparse
import json
import os
import urllib.error
import urllib.request

from bot.channels.registry import PUBLIC_BASE_URL_ENV, describe, public_base_url, spec
from bot.channels.telegram import api_url

DEFAULT_LOCAL_URL = "http://localhost:5005"
TELEGRAM_UPDATES = ["message", "callback_query"]


def _list(args: argparse.Namespace) -> int:
    for line in describe(os.environ, DEFAULT_LOCAL_URL):
        print(line)
    if not os.environ.get(PUBLIC_BASE_URL_ENV):
        print(f"(set {PUBLIC_BASE_URL_ENV} to the public https URL the providers call)")
    return 0


def _telegram_webhook(args: argparse.Namespace) -> int:
    """Tell Telegram where to deliver updates, with our secret token (setWebhook)."""
    telegram = spec("telegram")
    missing = telegram.missing(os.environ)
    if missing:
        print(f"Set {', '.join(missing)} first.")
        return 1
    base = args.url or public_base_url(os.environ, "")
    if not base.startswith("https://"):
        print(f"Telegram needs a public https URL: set {PUBLIC_BASE_URL_ENV} or pass --url.")
        return 1
    payload = {
        "url": base.rstrip("/") + telegram.webhook_path(),
        "secret_token": os.environ["TELEGRAM_SECRET_TOKEN"].strip(),
        "allowed_updates": TELEGRAM_UPDATES,
        "drop_pending_updates": args.drop_pending,
    }
    request = urllib.request.Request(
        api_url(os.environ, "setWebhook"),
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read() or b"{}")
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "code", None) or type(error).__name__
        print(f"Telegram did not accept the webhook ({reason}).")  # no URL: it holds the token
        return 1
    if not answer.get("ok"):
        print(f"Telegram refused the webhook: {answer.get('description', 'no reason given')}")
        return 1
    print(f"Telegram will deliver updates to {payload['url']}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("channels", help="messaging channels that are on, webhook URLs")
    p.set_defaults(handler=_list)
    sub = p.add_subparsers(dest="channels_command", metavar="<action>")
    t = sub.add_parser("telegram-webhook", help="register our webhook and secret with Telegram")
    t.add_argument("--url", help=f"public base URL (default: ${PUBLIC_BASE_URL_ENV})")
    t.add_argument("--drop-pending", action="store_true", help="discard updates Telegram holds")
    t.set_defaults(handler=_telegram_webhook)
