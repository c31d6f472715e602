# shellcheck shell=bash
# A check or bench tool in a venv of its own (the machine's python3, never .venv, so its pins
# never move Rasa's), every version pinned. Sourced by setup-locust.sh and setup-helm.sh.

# tool_venv VENV PINS LABEL: make VENV afresh and install PINS into it, without dependencies
# (the pins list them all).
tool_venv() {
  local venv=$1 pins=$2 label=$3 py
  py=$(command -v python3.11 || command -v python3 || true)
  if [ -z "$py" ]; then
    echo "ERROR: python3 (3.9 or newer) with venv is needed for $label: apt-get install python3 python3-venv" >&2
    exit 1
  fi
  echo "Installing $label into $venv ..."
  "$py" -m venv --clear "$venv"
  "$venv/bin/pip" install -q --no-deps -r "$pins" 2> >(grep -v "is neither a file nor a directory" >&2)
}
