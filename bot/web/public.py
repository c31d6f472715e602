"""The public side of the web process: the demo clinic page, its files and /config.json.

Everything here is public and cookie-free. Only GET and HEAD are answered; any
file outside ``bot/web/static`` is "not found" (see :func:`resolve_static`).
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, request

from bot.settings import get_settings
from bot.web.page import render_page
from bot.web.security import CONTENT_TYPES, resolve_static
from bot.web.widget_config import page_config

STATIC_DIR = Path(__file__).resolve().parent / "static"

public = Blueprint("public", __name__)


def _static_dir() -> Path:
    return Path(current_app.config["PIT_STATIC_DIR"])


@public.route("/config.json", methods=["GET"], provide_automatic_options=False)
def config_json() -> Response:
    body = json.dumps(page_config(current_app.config["PIT_RASA_URL"]), ensure_ascii=False)
    return Response(body, content_type=CONTENT_TYPES[".json"])


@public.route("/", defaults={"path": ""}, methods=["GET"], provide_automatic_options=False)
@public.route("/<path:path>", methods=["GET"], provide_automatic_options=False)
def static_file(path: str) -> Response:
    root = _static_dir()
    # request.path is already percent-decoded; resolve_static decodes once more, which
    # can only turn more names into refused ones (a literal '%' file never exists here).
    file = resolve_static(root, request.path)
    if file is None:
        abort(404)
    if file.name == "index.html" and file.parent == root.resolve():
        text = render_page(file.read_text(encoding="utf-8"), get_settings().public_dict())
        return Response(text, content_type=CONTENT_TYPES[".html"])
    return Response(file.read_bytes(), content_type=CONTENT_TYPES[file.suffix.lower()])
