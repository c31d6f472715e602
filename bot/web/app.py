"""The web process's Flask application: the public demo page and the staff studio.

One process, two audiences. The public side (``bot.web.public``) is cookie-free and
embeddable; the studio (``bot.studio``, under ``/staff/``) uses sessions, CSRF
tokens and never lets another site read or frame it. Every response, errors
included, gets the security headers of its side.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Optional

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from bot.settings import SettingsError
from bot.web.public import STATIC_DIR, public
from bot.web.security import CONTENT_TYPES, security_headers, studio_headers
from bot.web.widget_config import DEFAULT_RASA_URL, normalise_rasa_url

logger = logging.getLogger(__name__)
STUDIO_PREFIX = "/staff"


def is_studio_path(path: str) -> bool:
    return path == STUDIO_PREFIX or path.startswith(STUDIO_PREFIX + "/")


def _plain_error(status: int, phrase: str) -> Response:
    return Response(f"{status} {phrase}\n", status=status, content_type=CONTENT_TYPES[".txt"])


def create_app(
    rasa_url: str = DEFAULT_RASA_URL,
    static_dir: Path = STATIC_DIR,
    studio: Optional[dict] = None,
) -> Flask:
    """The WSGI app. ``studio`` holds studio options (database URL, secret key, ...);
    ``None`` means the defaults (see :func:`bot.studio.app.StudioOptions`)."""
    app = Flask(__name__, static_folder=None)
    app.url_map.merge_slashes = False  # '//etc/passwd' is "not found", never a redirect
    app.url_map.strict_slashes = False
    app.config["PIT_RASA_URL"] = normalise_rasa_url(rasa_url)
    app.config["PIT_STATIC_DIR"] = str(static_dir)

    from bot.studio.app import init_studio

    init_studio(app, STUDIO_PREFIX, studio or {})
    app.register_blueprint(public)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        if is_studio_path(request.path):
            from bot.studio.views import studio_error

            return studio_error(error)
        return _plain_error(error.code or 500, error.name)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        logger.exception("web: %s", error if isinstance(error, SettingsError) else "unexpected")
        return _plain_error(500, "Internal Server Error")

    @app.after_request
    def add_headers(response: Response) -> Response:
        if is_studio_path(request.path):
            headers = studio_headers()
        else:
            headers = security_headers(app.config["PIT_RASA_URL"])
        for name, value in headers.items():
            response.headers[name] = value
        return response

    return app
