#!/usr/bin/env bash
# Locust, the load tool of `make bench`, in its own venv (build/locust-venv, the machine's
# python3). Never in .venv: Locust's gevent and Flask pins must not move Rasa's. Every version
# is pinned in bench/locust-requirements.txt. Does nothing when it is already installed.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=build/locust-venv
PINS=bench/locust-requirements.txt
WANT=$(grep -E '^locust==' "$PINS" | cut -d= -f3)
if "$VENV/bin/locust" --version 2>/dev/null | grep -q "locust $WANT "; then exit 0; fi
PY=$(command -v python3.11 || command -v python3 || true)
if [ -z "$PY" ]; then
  echo "ERROR: python3 (3.9 or newer) is needed for Locust: apt-get install python3 python3-venv" >&2
  exit 1
fi
echo "Installing Locust $WANT into $VENV ..."
"$PY" -m venv --clear "$VENV"
"$VENV/bin/pip" install -q --no-deps -r "$PINS" 2> >(grep -v "is neither a file nor a directory" >&2)
"$VENV/bin/locust" --version
