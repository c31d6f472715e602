"""The nginx example (deploy/nginx/pit-assistant.conf): what it exposes, and `nginx -t` on it.

The routing checks read the file and compare it with the project's real ports, paths and
limits, so a change on either side that makes them disagree fails here. The syntax check
runs Debian's nginx (`apt-get install nginx-light`) on a throw-away wrapper with a
self-signed certificate made by openssl; it is skipped, with the reason, when nginx or
openssl is not installed (this test installs nothing).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.channels.registry import CHANNELS
from bot.channels.rest import MAX_BODY_BYTES
from bot.settings import PROJECT_ROOT
from bot.stack import Stack

EXAMPLE = PROJECT_ROOT / "deploy" / "nginx" / "pit-assistant.conf"
CERT_DIR = "/etc/letsencrypt/live/chat.your-clinic.example"


def config_text() -> str:
    """The example without comments."""
    return "\n".join(
        line.split("#", 1)[0] for line in EXAMPLE.read_text(encoding="utf-8").splitlines()
    )


def locations() -> dict[str, str]:
    """Each `location` head (modifier and path) -> its block's text."""
    found = {}
    for match in re.finditer(r"location\s+([^{]+?)\s*\{([^}]*)\}", config_text()):
        found[match.group(1)] = match.group(2)
    return found


def upstream_ports() -> set[int]:
    return {int(p) for p in re.findall(r"proxy_pass\s+http://127\.0\.0\.1:(\d+)", config_text())}


def test_only_the_web_page_and_the_rasa_server_are_proxied_never_the_action_server():
    defaults = Stack(model=Path("unused"), workdir=Path("unused"))
    assert upstream_ports() == {defaults.rasa_port, defaults.web_port}
    assert defaults.actions_port not in upstream_ports()


def test_the_channels_go_to_the_rasa_server_with_websocket_upgrade():
    rasa = f"proxy_pass http://127.0.0.1:{Stack(model=Path('x'), workdir=Path('x')).rasa_port};"
    found = locations()
    assert rasa in found["/socket.io/"] and "Upgrade $http_upgrade" in found["/socket.io/"]
    assert rasa in found["= /webhooks/rest/webhook"]
    [(head, block)] = [(h, b) for h, b in found.items() if h.startswith("~ ^/webhooks/")]
    for channel in CHANNELS:
        assert re.match(head.split(None, 1)[1], channel.webhook_path()), channel.name
    assert rasa in block
    assert "return 404" in found["/webhooks/"]  # Rasa's own unsigned channels stay closed


def test_the_staff_studio_is_behind_an_allow_list_and_a_secure_cookie():
    studio = locations()["/staff/"]
    assert "allow " in studio and "deny all;" in studio
    assert studio.index("allow ") < studio.index("deny all;")
    assert "proxy_cookie_flags ~ secure;" in studio


def test_tls_redirect_hsts_and_the_body_limit_match_the_servers():
    text = config_text()
    assert "return 301 https://$host$request_uri;" in text
    assert re.search(r'add_header Strict-Transport-Security "max-age=\d{8,}" always;', text)
    [limit] = re.findall(r"client_max_body_size\s+(\d+)k;", text)
    assert int(limit) * 1024 == MAX_BODY_BYTES


def test_nginx_accepts_the_example(tmp_path: Path):
    nginx, openssl = shutil.which("nginx") or _sbin("nginx"), shutil.which("openssl")
    if not nginx or not openssl:
        pytest.skip(
            "nginx or openssl is not installed (Debian: apt-get install nginx-light openssl); "
            "the example was not syntax-checked"
        )
    cert, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=chat.your-clinic.example", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    site = EXAMPLE.read_text(encoding="utf-8")
    assert f"{CERT_DIR}/fullchain.pem" in site and f"{CERT_DIR}/privkey.pem" in site
    site = site.replace(f"{CERT_DIR}/fullchain.pem", str(cert))
    site = site.replace(f"{CERT_DIR}/privkey.pem", str(key))
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    temp = tmp_path / "temp"
    temp.mkdir()
    wrapper = tmp_path / "nginx.conf"
    wrapper.write_text(
        f"pid {tmp_path}/nginx.pid;\n"
        f"error_log {tmp_path}/error.log;\n"
        "events {}\n"
        "http {\n"
        "    access_log off;\n"
        + "".join(
            f"    {kind}_temp_path {temp}/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        + f"    include {tmp_path}/site.conf;\n"
        "}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(wrapper)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def _sbin(name: str) -> str | None:
    """Debian installs nginx in /usr/sbin, which is not on every user's PATH."""
    path = Path("/usr/sbin") / name
    return str(path) if path.exists() else None
