#!/usr/bin/env bash
# Regenerates the single initial migration from the models. Only valid while tailcall has
# no deployed databases; after the first release, add migrations instead.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f kernel/migrations/versions/0001_*.py
TAILCALL_DATA_DIR="$tmp" "${PYTHON:-.venv/bin/python}" - <<'PY'
from alembic import command
from kernel.db import alembic_config
from tailcall.schema import metadata
from kernel.settings import Settings
s = Settings()
s.ensure_dirs()
command.revision(alembic_config(s, metadata), message="initial schema", autogenerate=True, rev_id="0001")
PY
rm -rf "$tmp"
