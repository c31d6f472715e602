"""The demo page server: only the static folder is reachable, headers are safe,
and /config.json and the page carry the clinic's settings (escaped)."""

from __future__ import annotations

import argparse
import http.client
import json
import threading
from pathlib import Path
from typing import Dict, Iterator, Tuple

import pytest

from bot.settings import get_settings
from bot.web import server as web_server
from bot.web.page import render_page
from bot.web.security import resolve_static
from bot.web.widget_config import MAX_MESSAGE_CHARS, normalise_rasa_url, page_config

RASA_URL = "http://127.0.0.1:5999"
STATIC = web_server.STATIC_DIR


@pytest.fixture(scope="module")
def base() -> Iterator[Tuple[str, int]]:
    server = web_server.make_server("127.0.0.1", 0, RASA_URL)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[0], server.server_address[1]
    server.shutdown()
    server.server_close()


def request(
    base: Tuple[str, int], path: str, method: str = "GET"
) -> Tuple[int, Dict[str, str], bytes]:
    """Send ``path`` exactly as given (no client-side normalisation of ``..``)."""
    conn = http.client.HTTPConnection(*base, timeout=10)
    conn.putrequest(method, path, skip_accept_encoding=True)
    conn.endheaders()
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


@pytest.mark.parametrize(
    "path",
    [
        "/../clinic.yml",
        "/../../etc/passwd",
        "/%2e%2e/clinic.yml",
        "/%2E%2E/%2E%2E/etc/passwd",
        "/css/..%2f..%2f..%2fsettings.py",
        "/..%5c..%5cclinic.yml",
        "/css/%2e%2e/%2e%2e/server.py",
        "//etc/passwd",
        "/js/widget.js%00.png",
        "/.git/config",
        "/vendor/",
        "/js",
        "/css/",
        "/__init__.py",
        "/no-such-file.html",
    ],
)
def test_nothing_outside_the_static_files_is_served(base, path):
    status, headers, body = request(base, path)
    assert status == 404, (path, body[:200])
    assert b"clinic" not in body.lower() and b"import" not in body
    assert "Index of" not in body.decode("utf-8", "replace")
    assert headers["x-content-type-options"] == "nosniff"


def test_resolver_refuses_symlinks_out_of_the_folder_and_unknown_file_types(tmp_path: Path):
    root = tmp_path / "static"
    root.mkdir()
    (tmp_path / "secret.txt").write_text("secret")
    (root / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (root / "code.py").write_text("print(1)")
    (root / "ok.txt").write_text("fine")
    assert resolve_static(root, "/leak.txt") is None
    assert resolve_static(root, "/code.py") is None
    assert resolve_static(root, "/ok.txt") == (root / "ok.txt").resolve()
    assert resolve_static(root, "/ok.txt?x=1#y") == (root / "ok.txt").resolve()


def test_page_has_security_headers_naming_the_rasa_server(base):
    status, headers, _ = request(base, "/")
    assert status == 200
    csp = headers["content-security-policy"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split("; ")}
    assert directives["script-src"] == ["'self'"]
    assert directives["connect-src"] == ["'self'", RASA_URL, "ws://127.0.0.1:5999"]
    assert directives["frame-ancestors"] == ["'none'"] and directives["object-src"] == ["'none'"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["access-control-allow-origin"] == "*"  # public, cookie-free: embeddable
    assert headers["content-type"] == "text/html; charset=utf-8"


def test_errors_carry_the_same_safe_headers(base):
    status, headers, _ = request(base, "/missing.js")
    assert status == 404
    assert "connect-src 'self' http://127.0.0.1:5999" in headers["content-security-policy"]


def test_malformed_request_gets_a_plain_error_with_safe_headers(base):
    import socket

    with socket.create_connection(base, timeout=10) as sock:
        sock.sendall(b"GET /a b c HTTP/1.1\r\n\r\n")
        reply = sock.recv(65536).decode("latin-1")
    assert reply.startswith("HTTP/1.0 400")
    assert "X-Content-Type-Options: nosniff" in reply and "Content-Security-Policy:" in reply
    assert "<html" not in reply.lower()


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "OPTIONS"])
def test_only_get_and_head_are_allowed(base, method):
    status, headers, _ = request(base, "/", method)
    assert status == 405
    assert headers["x-content-type-options"] == "nosniff"


def test_head_sends_headers_without_body(base):
    status, headers, body = request(base, "/js/widget.js", "HEAD")
    assert status == 200 and body == b""
    assert int(headers["content-length"]) == len((STATIC / "js" / "widget.js").read_bytes())


def test_config_json_has_public_clinic_settings_and_the_rasa_channel(base):
    status, headers, body = request(base, "/config.json")
    assert status == 200
    assert headers["content-type"] == "application/json; charset=utf-8"
    config = json.loads(body)
    assert config["clinic"] == get_settings().public_dict()
    assert config["rasa_url"] == RASA_URL
    assert config["socket_path"] == "/socket.io"
    assert (config["user_message_event"], config["bot_message_event"]) == (
        "user_uttered",
        "bot_uttered",
    )
    assert config["max_message_chars"] == MAX_MESSAGE_CHARS


def test_socket_settings_follow_credentials_yml(tmp_path: Path):
    creds = tmp_path / "credentials.yml"
    creds.write_text(
        "socketio:\n  user_message_evt: ask\n  bot_message_evt: answer\n  socketio_path: /chat.io\n"
    )
    config = page_config("http://rasa.example:80", creds)
    assert (config["socket_path"], config["user_message_event"], config["bot_message_event"]) == (
        "/chat.io",
        "ask",
        "answer",
    )


def test_page_shows_clinic_details_from_settings(base):
    settings = get_settings()
    _, _, body = request(base, "/")
    page = body.decode("utf-8")
    assert "{{" not in page
    assert f"<title>{settings.name} " in page
    assert settings.phone in page and settings.email in page
    for line in settings.opening_hours_text().splitlines():
        assert f"<li>{line}</li>" in page
    assert 'src="/vendor/socket.io.min.js"' in page and 'src="/js/main.js"' in page


def test_every_asset_the_page_loads_is_served_with_its_type(base):
    _, _, body = request(base, "/")
    page = body.decode("utf-8")
    expected = {
        "/css/site.css": "text/css",
        "/css/widget.css": "text/css",
        "/favicon.svg": "image/svg+xml",
        "/vendor/socket.io.min.js": "text/javascript",
        "/js/main.js": "text/javascript",
    }
    for path, content_type in expected.items():
        assert f'"{path}"' in page
        status, headers, _ = request(base, path)
        assert status == 200 and headers["content-type"].startswith(content_type), path
    for module in (STATIC / "js").glob("*.js"):
        status, headers, _ = request(base, f"/js/{module.name}")
        assert status == 200 and headers["content-type"].startswith("text/javascript")


def test_vendored_socketio_client_is_4x_and_has_its_licence():
    head = (STATIC / "vendor" / "socket.io.min.js").read_text()[:200]
    assert "Socket.IO v4." in head
    assert "MIT" in (STATIC / "vendor" / "socket.io-client-LICENSE.txt").read_text()


def test_clinic_values_are_escaped_in_the_page():
    template = (
        '<h1>{{ clinic_name }}</h1><a href="{{ clinic_booking_href }}">x</a>'
        "<ul>{{ clinic_hours_items }}</ul>"
    )
    public = {
        "clinic_name": "<script>alert(1)</script> & Co",
        "clinic_booking_url": "javascript:alert(1)",
        "clinic_hours": "Monday: <b>9</b>\nTuesday: 10",
        "clinic_phone": "+1 (555) 010-0199",
        "clinic_emergency_number": "911",
    }
    html = render_page(template, public)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html
    assert 'href="#"' in html and "javascript:" not in html
    assert "<li>Monday: &lt;b&gt;9&lt;/b&gt;</li><li>Tuesday: 10</li>" in html


def test_unknown_placeholder_is_an_error_not_a_silent_blank():
    with pytest.raises(KeyError, match="clinic_nmae"):
        render_page("{{ clinic_nmae }}", {"clinic_name": "x"})


@pytest.mark.parametrize(
    "bad",
    [
        "localhost:5005",
        "javascript:alert(1)",
        "http://x:1; script-src *",
        "http://x:1/path",
        "http://x:1?q=1",
        "ftp://x",
        "http://",
        "http://user@x:1",
    ],
)
def test_rasa_url_must_be_a_plain_origin(bad):
    with pytest.raises(ValueError):
        normalise_rasa_url(bad)


def test_rasa_url_is_normalised_and_https_means_wss():
    assert normalise_rasa_url(" https://chat.example/ ") == "https://chat.example"
    from bot.web.security import content_security_policy

    assert "wss://chat.example" in content_security_policy("https://chat.example")


def test_web_subcommand_parses_its_options():
    parser = argparse.ArgumentParser()
    web_server.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        ["web", "--host", "0.0.0.0", "--port", "8181", "--rasa-url", "http://r:1"]
    )
    assert (args.host, args.port, args.rasa_url, args.handler) == (
        "0.0.0.0",
        8181,
        "http://r:1",
        web_server._handle,
    )
