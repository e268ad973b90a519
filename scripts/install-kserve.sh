#!/usr/bin/env bash
# Installs KServe's Python model server (pinned in test/policy/warmup/kserve/requirements.txt)
# into a virtualenv cached under ~/.cache/meshtune, from PyPI, and prints the virtualenv's python.
# The warmup tests run the real server with it; they fail, never skip, when this fails.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
requirements="$here/test/policy/warmup/kserve/requirements.txt"
cache="${MESHTUNE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/meshtune}"
version="$(sha256sum "$requirements" | cut -c1-16)"
venv="$cache/kserve-$version"
if [ ! -f "$venv/.installed" ]; then
  rm -rf "$venv"
  mkdir -p "$cache"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$requirements" >&2
  touch "$venv/.installed"
fi
echo "$venv/bin/python"
