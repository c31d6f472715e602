"""The web process: the demo clinic page with the chat widget, and the staff studio.

`python -m bot web --port 8080 --rasa-url http://localhost:5005` serves the Flask
app from :mod:`bot.web.app` with waitress (a maintained, pure-Python production
WSGI server). The widget talks straight to the Rasa server's socket.io channel
(another origin), which the Content-Security-Policy names as the only other place
the page may connect to.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Optional

from bot.settings import SettingsError, get_settings
from bot.web.app import create_app
from bot.web.public import STATIC_DIR
from bot.web.security import security_headers
from bot.web.waitress_server import WebServer
from bot.web.widget_config import DEFAULT_RASA_URL, normalise_rasa_url

__all__ = ["STATIC_DIR", "make_server", "serve", "register"]
logger = logging.getLogger(__name__)


def make_server(
    host: str,
    port: int,
    rasa_url: str = DEFAULT_RASA_URL,
    static_dir: Path = STATIC_DIR,
    studio: Optional[dict] = None,
) -> WebServer:
    """A bound, not yet running server (port 0 picks a free port)."""
    rasa_url = normalise_rasa_url(rasa_url)
    app = create_app(rasa_url, static_dir, studio)
    return WebServer(app, host, port, lambda: security_headers(rasa_url))


def serve(host: str = "127.0.0.1", port: int = 8080, rasa_url: str = DEFAULT_RASA_URL) -> None:
    """Serve the demo page and the studio until interrupted."""
    get_settings()  # a broken clinic.yml should stop us here, with its message
    server = make_server(host, port, rasa_url)
    bound = server.server_address[1]
    print(f"Demo page on http://{host}:{bound}/ (chat via {rasa_url})", flush=True)
    print(f"Staff studio on http://{host}:{bound}/staff/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def _handle(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        serve(args.host, args.port, args.rasa_url)
    except SettingsError as error:
        print(f"clinic.yml: {error}")
        return 1
    except ValueError as error:
        print(error)
        return 2
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``web``: serve the demo page with the chat widget, and the staff studio."""
    p = subparsers.add_parser(
        "web", help="serve the demo clinic page with the chat widget, and the staff studio"
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--rasa-url", default=DEFAULT_RASA_URL, help="Rasa server (socket.io channel)")
    p.set_defaults(handler=_handle)
