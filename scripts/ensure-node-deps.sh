#!/usr/bin/env bash
# npm ci for each Node package folder of the project, only when its lock file changed since the
# last install (a stamp in node_modules records the lock file's checksum).
set -euo pipefail
cd "$(dirname "$0")/.."
for dir in idp tools/azurite frontend; do
  [ -f "$dir/package-lock.json" ] || continue
  want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  have=$(cat "$dir/node_modules/.otel-bi-lock-sha" 2>/dev/null || true)
  if [ "$want" != "$have" ]; then
    echo "==> npm ci --prefix $dir"
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
    echo "$want" > "$dir/node_modules/.otel-bi-lock-sha"
  fi
done
