#!/usr/bin/env bash
# make audit: known vulnerabilities in the pinned packages (constraints.txt), compared with
# the decisions in security/audit_decisions.yml (scripts/audit_check.py).
#
# pip-audit lives in its own small venv (build/audit-venv, the machine's python3), never in
# .venv, so installing it cannot move any of Rasa's pins. It reads constraints.txt as a
# requirements file (--no-deps: the file already lists every package, pinned;
# --disable-pip: nothing is installed or resolved) and asks the vulnerability service
# (AUDIT_SERVICE: pypi by default, or osv). Needs the network, so it is not part of make test.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=build/audit-venv
OUT=build/audit
PIP_AUDIT=2.10.1
PYYAML=6.0.3
SERVICE="${AUDIT_SERVICE:-pypi}"

if ! "$VENV/bin/pip-audit" --version 2>/dev/null | grep -q " $PIP_AUDIT\$" \
   || ! "$VENV/bin/python" -c 'import yaml' 2>/dev/null; then
  echo "Installing pip-audit $PIP_AUDIT into $VENV ..."
  python3 -m venv --clear "$VENV"
  "$VENV/bin/pip" install -q "pip-audit==$PIP_AUDIT" "PyYAML==$PYYAML" \
      2> >(grep -v "is neither a file nor a directory" >&2)
fi

mkdir -p "$OUT"
echo "pip-audit $PIP_AUDIT over constraints.txt ($(grep -c '==' constraints.txt) pinned packages," \
     "vulnerability service: $SERVICE) ..."
# pip-audit exits 1 when it finds something; the decision check below sets our exit code.
"$VENV/bin/pip-audit" -r constraints.txt --no-deps --disable-pip --progress-spinner off \
    --vulnerability-service "$SERVICE" --format json --output "$OUT/report.json" \
    2> >(grep -v -E 'encouraged to fully hash|pip-compile' >&2) || true
if [ ! -s "$OUT/report.json" ]; then
  echo "ERROR: pip-audit wrote no report (see its message above)." >&2; exit 2
fi
echo "Report: $OUT/report.json"
exec "$VENV/bin/python" scripts/audit_check.py "$OUT/report.json" security/audit_decisions.yml
