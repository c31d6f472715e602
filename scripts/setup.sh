#!/usr/bin/env bash
# Create or update the project's Python 3.10 environment in .venv.
# Idempotent: does nothing when requirements.txt and constraints.txt have not changed.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
STAMP="$VENV/.installed-requirements"

find_python310() {
  if command -v python3.10 >/dev/null 2>&1 && python3.10 -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
    command -v python3.10; return 0
  fi
  local root
  if command -v pyenv >/dev/null 2>&1; then root="$(pyenv root)"; else root="${PYENV_ROOT:-$HOME/.pyenv}"; fi
  local candidate
  for candidate in $(ls -d "$root"/versions/3.10.*/bin/python3.10 2>/dev/null | sort -V -r); do
    if "$candidate" -c 'import venv' 2>/dev/null; then echo "$candidate"; return 0; fi
  done
  return 1
}

venv_ok() {
  [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null
}

if ! venv_ok; then
  if ! PY=$(find_python310); then
    cat >&2 <<'MSG'
ERROR: Python 3.10 was not found. Rasa Open Source 3.6 runs on Python 3.8-3.10 only.
Install Python 3.10 and run this again, for example:
  - Debian/Ubuntu:  sudo apt-get install python3.10 python3.10-venv
  - pyenv:          pyenv install 3.10.13
The setup looks for `python3.10` on PATH, then in $(pyenv root)/versions/3.10.*.
MSG
    exit 1
  fi
  echo "Creating $VENV with $PY"
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
fi

want=$(cat requirements.txt constraints.txt | sha256sum | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
  exit 0
fi
echo "Installing Python packages into $VENV (first time takes a few minutes) ..."
"$VENV/bin/python" -m pip install --quiet --upgrade "pip==24.0" "setuptools==70.3.0" "wheel==0.45.1"
"$VENV/bin/python" -m pip install --quiet -r requirements.txt -c constraints.txt
"$VENV/bin/python" -m pip check >/dev/null || { "$VENV/bin/python" -m pip check; exit 1; }
echo "$want" > "$STAMP"
echo "Python environment ready: $("$VENV/bin/python" --version)"
