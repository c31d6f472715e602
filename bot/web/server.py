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

from bot.privacy.tracker_events import ENDPOINTS_FILE
from bot.settings import SettingsError, get_settings
from bot.studio.inbox.service import start_inbox
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


def serve(
    host: str = "127.0.0.1",
    port: int = 8080,
    rasa_url: str = DEFAULT_RASA_URL,
    endpoints: Path = ENDPOINTS_FILE,
    run_folder: Optional[Path] = None,
) -> None:
    """Serve the demo page and the studio until interrupted; the inbox reads Rasa's
    event broker (``endpoints``) in the background."""
    settings = get_settings()  # a broken clinic.yml should stop us here, with its message
    server = make_server(host, port, rasa_url)
    bound = server.server_address[1]
    print(f"Demo page on http://{host}:{bound}/ (chat via {rasa_url})", flush=True)
    print(f"Staff studio on http://{host}:{bound}/staff/", flush=True)
    consumer = start_inbox(server.app, settings.phone_region, endpoints, run_folder)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if consumer is not None:
            consumer.stop()
        server.server_close()


def _handle(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        serve(args.host, args.port, args.rasa_url, Path(args.endpoints), args.run_dir)
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
    p.add_argument(
        "--endpoints",
        default=str(ENDPOINTS_FILE),
        help="the Rasa server's endpoints.yml: the studio's inbox reads its event broker",
    )
    p.add_argument(
        "--run-dir",
        type=Path,
        default=None,
        help="folder of the running assistant's SQLite files (default: $PIT_RUN_DIR or var/run)",
    )
    p.set_defaults(handler=_handle)
