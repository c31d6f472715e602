"""The machine's own addresses other than loopback: where an outsider on the network connects."""

from __future__ import annotations

import ipaddress
import shutil
import socket
import subprocess
from typing import List


def non_loopback_addresses() -> List[str]:
    """Every IPv4/IPv6 address of this machine that is not loopback or link-local."""
    found: List[str] = []
    if shutil.which("ip"):
        out = subprocess.run(["ip", "-o", "addr", "show"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) > 3 and parts[2] in ("inet", "inet6"):
                found.append(parts[3].split("/")[0])
    else:  # pragma: no cover - machines without iproute2
        found = [info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)]
    usable = []
    for text in dict.fromkeys(found):
        address = ipaddress.ip_address(text.split("%")[0])
        if not (address.is_loopback or address.is_link_local or address.is_unspecified):
            usable.append(str(address))
    return usable


def can_connect(host: str, port: int, timeout: float = 2.0) -> bool:
    """Whether a TCP connection to host:port is accepted."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect((host, port))
        except OSError:
            return False
        return True
