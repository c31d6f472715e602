#!/usr/bin/env bash
# Debian's nginx, only so tests/unit/test_nginx_example.py can run `nginx -t` on the example
# proxy config (deploy/nginx/). Nothing here configures or starts it. Does nothing when nginx
# is already installed. (Debian may start its default site on port 80 after installing; stop it
# with `systemctl disable --now nginx` if you do not want that.)
set -euo pipefail
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then exit 0; fi
if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null 2>&1; then
  echo "ERROR: nginx is missing. Install it with: apt-get install nginx-light" >&2; exit 1
fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
echo "Installing Debian's nginx for the proxy example's syntax check ..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nginx-light >/dev/null
/usr/sbin/nginx -v
