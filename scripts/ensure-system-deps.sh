#!/usr/bin/env bash
# Installs what the tests and `make up` need from outside PyPI, only where it is missing:
# uv (via pip), PostgreSQL server binaries (Debian package `postgresql`).
set -euo pipefail

if ! command -v uv >/dev/null 2>&1; then
  echo "==> installing uv with pip"
  python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv
fi

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  echo "==> installing PostgreSQL server (apt-get install postgresql)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi
