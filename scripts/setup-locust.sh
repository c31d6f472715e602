#!/usr/bin/env bash
# Locust, the load tool of `make bench`, in its own venv (build/locust-venv, the machine's
# python3). Never in .venv: Locust's gevent and Flask pins must not move Rasa's. Every version
# is pinned in bench/locust-requirements.txt. Does nothing when it is already installed.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/tool-venv.sh
VENV=build/locust-venv
PINS=bench/locust-requirements.txt
WANT=$(grep -E '^locust==' "$PINS" | cut -d= -f3)
if "$VENV/bin/locust" --version 2>/dev/null | grep -q "locust $WANT "; then exit 0; fi
tool_venv "$VENV" "$PINS" "Locust $WANT"
"$VENV/bin/locust" --version
