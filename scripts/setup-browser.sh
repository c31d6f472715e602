#!/usr/bin/env bash
# Debian's chromium for the widget's real-browser tests (Playwright drives it by path;
# nothing downloads a browser). Does nothing when it is already installed.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null 2>&1; then
  echo "ERROR: chromium is missing. Install it with: apt-get install chromium" >&2; exit 1
fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
echo "Installing Debian's chromium for the browser tests ..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
chromium --version
