#!/usr/bin/env bash
# The main job on the embedded default: SQLite under ./var, the sample call list imported,
# then API and console on http://127.0.0.1:8080 until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
TC=.venv/bin/tailcall
$TC db upgrade
$TC lists import "$($TC lists sample)" --name "sample: synthetic customers"
echo
echo "tailcall is starting on http://${TAILCALL_HOST:-127.0.0.1}:${TAILCALL_PORT:-8080}"
echo "  API docs: /docs    health: /healthz    lists: /api/lists"
exec $TC serve
