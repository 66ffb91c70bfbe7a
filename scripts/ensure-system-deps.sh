#!/usr/bin/env bash
# Installs what the tests and `make up` need from outside PyPI, only where it is missing:
# uv (via pip), PostgreSQL server binaries (Debian package `postgresql`).
set -euo pipefail

if ! command -v uv >/dev/null 2>&1; then
  echo "==> installing uv with pip"
  python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv
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

if [ ${#apt_packages[@]} -gt 0 ]; then
  echo "==> installing Debian packages: ${apt_packages[*]}"
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; else sudo=""; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
fi
