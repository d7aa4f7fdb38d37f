#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/.."
for script in benchmarks/[!_]*.py; do
    [ -e "$script" ] || continue
    echo "== $script"
    .venv/bin/python "$script" "$@"
done
