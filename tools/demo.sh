#!/usr/bin/env bash
# The product running on the embedded default (SQLite under ./var), with the live demo: a
# campaign calling simulated customers who speak (ko-KR, Vosk and espeak-ng), continuously,
# on the built-in simulated carrier, until Ctrl-C. It prints the console's address and the
# logins first. Running it again keeps the data (and the logins) and goes on calling.
# The batch report of a whole simulated campaign is a command of its own:
#   .venv/bin/tailcall simulate --customers 200 --out var/simulation
set -euo pipefail
cd "$(dirname "$0")/.."
TC=.venv/bin/tailcall
$TC db upgrade >/dev/null
# the shipped sample list (its import report once; later runs import nothing twice)
$TC lists import "$($TC lists sample)" --name "sample: synthetic customers" | tail -n +1
exec $TC serve --demo "$@"
