"""nginx in front of several Rasa servers and action servers: the cluster's load balancer.

The configuration is written for each run (ports differ) and nginx runs in the foreground
as a child of the cluster, with every file it writes (pid, logs, temporary bodies) in the
cluster's own folder, so it needs no system configuration and leaves nothing behind.

Routing, as in deploy/nginx/pit-assistant.conf (one machine), but to several replicas:
- the website widget's socket.io goes to one Rasa server per client address (``ip_hash``):
  a socket.io session lives in one server's memory, and open-source nginx has no cookie
  stickiness;
- REST and the messaging channels go round-robin; a request that could not be sent to one
  replica (connection refused) is passed to the next. A request already sent is never sent
  again: POST is not idempotent (a booking confirmation must not run twice), so the patient
  gets a retryable 502 instead. A read time-out counts against a replica in nginx whatever
  the settings, and a message waiting for its conversation's lock (held by a replica that
  died) is slow on a healthy replica: so the read time-out is kept well above the lock's
  lifetime (``READ_TIMEOUT_S`` against ``bot.cluster.cluster``'s), or one stuck message
  would take the healthy replica out too (seen: 502s for everyone, 5 s at a time);
- the action servers sit behind a second, private listener, used only by the Rasa servers;
- the studio's parse channel is proxied for the web page only (loopback); the rest of the
  Rasa servers' routes (``/model``, ``/status``, the studio's model swap) are not proxied.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence

from bot.action_server import MAX_REQUEST_BYTES as ACTION_REQUEST_BYTES
from bot.channels.registry import CHANNELS

NGINX_CANDIDATES = ("nginx", "/usr/sbin/nginx")
INSTALL_HINT = "install Debian's nginx with `make nginx` (apt-get install nginx-light)"
# Same size as the servers' own limit (bot/channels): 64 KB per request body.
MAX_BODY = "64k"
# Longer than a message can wait for a dead replica's conversation lock plus its own work.
READ_TIMEOUT_S = 60
# nginx's temporary-file folders, all kept in the cluster's own folder.
_TEMP_KINDS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def nginx_binary() -> Optional[str]:
    """The nginx executable, or None when it is not installed."""
    for candidate in NGINX_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


@dataclass(frozen=True)
class Upstreams:
    """Where nginx listens and what it balances, all on ``host``."""

    front_port: int
    actions_port: int
    rasa_ports: Sequence[int]
    action_ports: Sequence[int]
    web_port: Optional[int]
    host: str = "127.0.0.1"


def _servers(host: str, ports: Sequence[int]) -> str:
    # max_fails/fail_timeout: a replica that refused a connection is skipped for 5 s, so a
    # dead one costs one quick retry per 5 s, not one per request.
    return "".join(f"        server {host}:{port} max_fails=1 fail_timeout=5s;\n" for port in ports)


def _channel_paths() -> str:
    return "|".join(sorted(channel.name for channel in CHANNELS))


def render(upstreams: Upstreams, folder: Path) -> str:
    """The whole nginx.conf for this cluster (``folder`` holds its logs and temp files)."""
    u = upstreams
    temp = "\n".join(f"    {kind}_temp_path {folder / 'tmp' / kind};" for kind in _TEMP_KINDS)
    web = (
        f"""
        location / {{
            proxy_pass http://{u.host}:{u.web_port};
        }}"""
        if u.web_port
        else """
        location / {
            return 404;
        }"""
    )
    return f"""# Written by bot/cluster/nginx.py for one cluster run; not for editing.
worker_processes 1;
daemon off;
pid {folder / "nginx.pid"};
error_log {folder / "nginx-error.log"} warn;

events {{
    worker_connections 1024;
}}

http {{
    access_log {folder / "nginx-access.log"};
{temp}
    server_tokens off;
    client_max_body_size {MAX_BODY};
    proxy_http_version 1.1;
    proxy_connect_timeout 2s;
    proxy_read_timeout {READ_TIMEOUT_S}s;
    proxy_send_timeout 30s;
    proxy_next_upstream error timeout;
    proxy_next_upstream_tries 2;

    map $http_upgrade $pit_connection_upgrade {{
        default upgrade;
        ''      close;
    }}

    upstream pit_rasa {{
{_servers(u.host, u.rasa_ports)}        keepalive 16;
    }}
    upstream pit_rasa_sticky {{
        ip_hash;
{_servers(u.host, u.rasa_ports)}    }}
    upstream pit_actions {{
{_servers(u.host, u.action_ports)}        keepalive 16;
    }}

    # Patients and the web page.
    server {{
        listen {u.host}:{u.front_port};
        proxy_set_header Host $host;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
{web}
        location = /healthz {{
            access_log off;
            return 200 "ok\n";
        }}
        location /socket.io/ {{
            proxy_pass http://pit_rasa_sticky;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $pit_connection_upgrade;
            proxy_buffering off;
            proxy_read_timeout 75s;
        }}
        location = /webhooks/rest/webhook {{
            proxy_pass http://pit_rasa;
            proxy_set_header Connection "";
        }}
        location ~ ^/webhooks/({_channel_paths()})/ {{
            proxy_pass http://pit_rasa;
            proxy_set_header Connection "";
        }}
        # The studio's parse channel (it checks its own secret too): the web page only.
        location = /webhooks/studio_parse/ {{
            allow 127.0.0.1;
            deny all;
            proxy_pass http://pit_rasa;
            proxy_set_header Connection "";
        }}
        location /webhooks/ {{
            return 404;
        }}
    }}

    # The action servers, for the Rasa servers only (each request carries the token). A call
    # carries the conversation and the domain: the action server's own size limit applies.
    server {{
        listen {u.host}:{u.actions_port};
        client_max_body_size {ACTION_REQUEST_BYTES};
        location / {{
            proxy_pass http://pit_actions;
            proxy_set_header Connection "";
        }}
    }}
}}
"""


def command(config: Path) -> List[str]:
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError(f"nginx is not installed: {INSTALL_HINT}")
    return [binary, "-p", str(config.parent), "-c", str(config)]


def write(upstreams: Upstreams, folder: Path) -> Path:
    """Write the configuration and the folders nginx writes into; returns the config's path."""
    for kind in _TEMP_KINDS:
        (folder / "tmp" / kind).mkdir(parents=True, exist_ok=True)
    path = folder / "nginx.conf"
    path.write_text(render(upstreams, folder), encoding="utf-8")
    return path
