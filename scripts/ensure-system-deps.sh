#!/usr/bin/env bash
# Installs what the tests and `make up` need from outside PyPI, only where it is missing:
# uv (via pip), PostgreSQL server binaries (Debian package `postgresql`), unixODBC (`libodbc2`),
# Chromium for the browser tests (`chromium`, with fonts) and pdftoppm (`poppler-utils`).
# Quiet and quick when everything is there, so `make` can run it every time.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; else sudo=""; fi
apt_updated=""

apt_install() {
  echo "==> installing Debian packages: $*"
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "$apt_updated" ]; then # the package lists once per run, before the first install
    $sudo apt-get update -qq
    apt_updated=1
  fi
  $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

install_uv() {
  local log
  # 1. The usual user install. 2. Debian 12's own python3 is "externally managed" (PEP 668) and
  # refuses (1); uv is a single binary that touches no system package, so override that.
  # 3. Inside a virtualenv --user is refused: install into the virtualenv.
  if log=$(python3 -m pip install --quiet --user uv 2>&1); then return 0; fi
  if log=$(python3 -m pip install --quiet --user --break-system-packages uv 2>&1); then return 0; fi
  if log=$(python3 -m pip install --quiet uv 2>&1); then return 0; fi
  echo "$log" >&2
  echo "could not install uv with pip; install it by hand (https://docs.astral.sh/uv/)" >&2
  return 1
}

# ~/.local/bin/uv counts: the Makefile puts that folder on PATH.
if ! command -v uv >/dev/null 2>&1 && [ ! -x "$HOME/.local/bin/uv" ]; then
  if ! python3 -m pip --version >/dev/null 2>&1; then
    apt_install python3-pip # Debian's python3 comes without pip
  fi
  echo "==> installing uv with pip"
  install_uv
  if ! command -v uv >/dev/null 2>&1 && [ -x "$HOME/.local/bin/uv" ]; then
    # The Makefile puts ~/.local/bin on PATH; a shell outside make may not have it.
    echo "==> uv is in $HOME/.local/bin; add that folder to PATH to run uv yourself"
  fi
fi

apt_packages=()
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  apt_packages+=(postgresql)
fi
# pyodbc (the SQL Server driver path) loads unixODBC's libodbc.so.2.
if ! ldconfig -p 2>/dev/null | grep -q 'libodbc.so.2'; then
  apt_packages+=(libodbc2)
fi
# The browser tests drive Debian's Chromium (never a downloaded browser); screenshots need fonts.
if ! command -v chromium >/dev/null 2>&1; then
  apt_packages+=(chromium fonts-dejavu-core fonts-liberation)
fi
# Report pages are rendered to PNG with pdftoppm for review.
if ! command -v pdftoppm >/dev/null 2>&1; then
  apt_packages+=(poppler-utils)
fi
if [ ${#apt_packages[@]} -gt 0 ]; then
  apt_install "${apt_packages[@]}"
fi
