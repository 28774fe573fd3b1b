#!/usr/bin/env bash
# The main job on the embedded default: SQLite under ./var, the sample call list imported,
# a simulated campaign run end to end (text mode) with its report, then the API and the
# agent console on http://127.0.0.1:8080 until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
TC=.venv/bin/tailcall
$TC db upgrade
$TC lists import "$($TC lists sample)" --name "sample: synthetic customers"

echo
echo "Simulating a 200-customer points-reminder campaign (fake carrier, personas, agents)..."
$TC simulate --script points_reminder --language zh-CN --customers 200 --seed 1 \
  --out var/simulation

# A demo agent for the console, created once with a random password shown here.
# (Forgotten? `tailcall users passwd demo-agent`.)
if [ ! -f var/.demo-agent ]; then
  pw=$(.venv/bin/python -c "import secrets; print(secrets.token_urlsafe(12))")
  TAILCALL_NEW_PASSWORD="$pw" $TC users add demo-agent --role agent --skills points,wealth \
    --name "Demo agent" >/dev/null
  touch var/.demo-agent
  echo "console login: demo-agent / $pw"
fi

echo
echo "tailcall is starting on http://${TAILCALL_HOST:-127.0.0.1}:${TAILCALL_PORT:-8080}"
echo "  console: /console   API docs: /docs   health: /healthz   report: var/simulation/simulation.html"
exec $TC serve
