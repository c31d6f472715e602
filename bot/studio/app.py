"""Wire the studio into the web process's Flask app: database, cookies, CSRF.

Nothing here touches the database or the secret-key file until the first request
to ``/staff/``, so the public demo page works (and its tests run) without them.
"""

from __future__ import annotations

import os
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable, Optional

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy.orm import sessionmaker

from bot.bookings.models import utcnow
from bot.settings import PROJECT_ROOT
from bot.studio.sessions import DEFAULT_IDLE_TIMEOUT

SECRET_KEY_FILE = PROJECT_ROOT / "var" / "studio-secret.key"
SECRET_KEY_ENV = "PIT_STUDIO_SECRET_KEY"
IDLE_MINUTES_ENV = "PIT_STUDIO_IDLE_MINUTES"
COOKIE_NAME = "pit_staff"


def load_secret_key(path: Path = SECRET_KEY_FILE) -> str:
    """``$PIT_STUDIO_SECRET_KEY``, else a random key kept in ``var/`` (owner-only)."""
    from_env = os.environ.get(SECRET_KEY_ENV, "").strip()
    if from_env:
        return from_env
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key


def idle_timeout_from_env() -> timedelta:
    value = os.environ.get(IDLE_MINUTES_ENV, "").strip()
    return (
        timedelta(minutes=int(value))
        if value.isdigit() and int(value) > 0
        else DEFAULT_IDLE_TIMEOUT
    )


@dataclass
class StudioOptions:
    """How the studio runs; tests pass their own database, key and clock."""

    database_url: Optional[str] = None
    secret_key: Optional[str] = None
    idle_timeout: timedelta = field(default_factory=idle_timeout_from_env)
    clock: Callable[[], datetime] = utcnow
    _factory: Optional[sessionmaker] = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def session_factory(self) -> sessionmaker:
        """The migrated studio database (upgraded once, on first use)."""
        with self._lock:
            if self._factory is None:
                from bot.bookings.db import database_url, session_factory, upgrade_database

                url = upgrade_database(self.database_url or database_url())
                self._factory = session_factory(url)
            return self._factory


class StudioCookies(SecureCookieSessionInterface):
    """Flask's signed cookie for the session token and CSRF secret, under /staff/ only:
    the key is loaded on first use, and the cookie is Secure over HTTPS."""

    def __init__(self, options: StudioOptions, prefix: str) -> None:
        self.options = options
        self.prefix = prefix

    def get_signing_serializer(self, app: Flask) -> Optional[URLSafeTimedSerializer]:
        # The public page has no session at all (None means Flask's null session).
        if request.path != self.prefix and not request.path.startswith(self.prefix + "/"):
            return None
        if not app.secret_key:
            app.secret_key = self.options.secret_key or load_secret_key()
        return super().get_signing_serializer(app)

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def init_studio(app: Flask, prefix: str, options: dict) -> None:
    studio_options = StudioOptions(**options)
    app.extensions["pit_studio"] = studio_options
    app.config.update(
        SESSION_COOKIE_NAME=COOKIE_NAME,
        SESSION_COOKIE_PATH=prefix,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=False,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the sign-in session
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    app.session_interface = StudioCookies(studio_options, prefix)
    if studio_options.secret_key:
        app.secret_key = studio_options.secret_key
    CSRFProtect(app)

    from bot.studio import answer_views, topic_views  # noqa: F401  (register their pages)
    from bot.studio.inbox import (
        analytics_views,  # noqa: F401  (register their pages)
        conversation_views,  # noqa: F401
    )
    from bot.studio.inbox import views as inbox_views  # noqa: F401
    from bot.studio.training import views as training_views  # noqa: F401
    from bot.studio.views import studio

    app.register_blueprint(studio, url_prefix=prefix)


def studio_options(app: Flask) -> StudioOptions:
    return app.extensions["pit_studio"]
