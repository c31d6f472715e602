"""The demo clinic page and chat widget, served by the standard library alone.

`python -m bot web --port 8080 --rasa-url http://localhost:5005` serves
``bot/web/static`` plus ``/config.json``. No third-party web framework: the page
is a handful of static files, and a small server is easier to audit. The widget
talks straight to the Rasa server's socket.io channel (another origin), which the
Content-Security-Policy names as the only other place the page may connect to.
"""

from __future__ import annotations

import argparse
import json
import logging
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Optional, Tuple
from urllib.parse import urlsplit

from bot.settings import SettingsError, get_settings
from bot.web.page import render_page
from bot.web.security import CONTENT_TYPES, resolve_static, security_headers
from bot.web.widget_config import DEFAULT_RASA_URL, normalise_rasa_url, page_config

STATIC_DIR = Path(__file__).resolve().parent / "static"
logger = logging.getLogger(__name__)


class WebHandler(BaseHTTPRequestHandler):
    """GET/HEAD for static files, the rendered index page and ``/config.json``."""

    server_version = "pit-web"
    sys_version = ""

    def __init__(self, *args: object, rasa_url: str, static_dir: Path, **kwargs: object) -> None:
        self.rasa_url = rasa_url
        self.static_dir = static_dir
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    # --- responses -----------------------------------------------------------------
    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        for name, value in security_headers(self.rasa_url).items():
            self.send_header(name, value)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: HTTPStatus) -> None:
        self._send(status, f"{status.value} {status.phrase}\n".encode(), CONTENT_TYPES[".txt"])

    def send_error(
        self, code: int, message: Optional[str] = None, explain: Optional[str] = None
    ) -> None:
        """Malformed requests get the same plain, header-protected answer as any error."""
        self.close_connection = True
        self._error(HTTPStatus(code))

    def _body_for(self, path: str) -> Optional[Tuple[bytes, str]]:
        """(body, content type) for ``path``, or None when there is nothing to serve."""
        if urlsplit(path).path == "/config.json":
            body = json.dumps(page_config(self.rasa_url), ensure_ascii=False).encode()
            return body, CONTENT_TYPES[".json"]
        file = resolve_static(self.static_dir, path)
        if file is None:
            return None
        if file.name == "index.html" and file.parent == self.static_dir.resolve():
            text = render_page(file.read_text(encoding="utf-8"), get_settings().public_dict())
            return text.encode("utf-8"), CONTENT_TYPES[".html"]
        return file.read_bytes(), CONTENT_TYPES[file.suffix.lower()]

    # --- methods -------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        try:
            found = self._body_for(self.path)
        except (OSError, SettingsError, KeyError) as error:
            logger.error("web page: %s", error)
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR)
            return
        if found is None:
            self._error(HTTPStatus.NOT_FOUND)
            return
        self._send(HTTPStatus.OK, *found)

    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET()

    def _not_allowed(self) -> None:
        self._error(HTTPStatus.METHOD_NOT_ALLOWED)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _not_allowed  # noqa: N815

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        logger.info("%s %s", self.address_string(), format % args)


def make_server(
    host: str, port: int, rasa_url: str = DEFAULT_RASA_URL, static_dir: Path = STATIC_DIR
) -> ThreadingHTTPServer:
    """A bound, not yet running server (port 0 picks a free port)."""
    handler = partial(WebHandler, rasa_url=normalise_rasa_url(rasa_url), static_dir=static_dir)
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def serve(host: str = "127.0.0.1", port: int = 8080, rasa_url: str = DEFAULT_RASA_URL) -> None:
    """Serve the demo page until interrupted."""
    get_settings()  # a broken clinic.yml should stop us here, with its message
    server = make_server(host, port, rasa_url)
    print(
        f"Demo page on http://{host}:{server.server_address[1]}/ (chat via {rasa_url})", flush=True
    )
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
    """Add ``web``: serve the demo page with the chat widget."""
    p = subparsers.add_parser("web", help="serve the demo clinic page with the chat widget")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--rasa-url", default=DEFAULT_RASA_URL, help="Rasa server (socket.io channel)")
    p.set_defaults(handler=_handle)
