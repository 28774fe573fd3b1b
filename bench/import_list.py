"""Benchmark: call-list import throughput and peak memory on SQLite and PostgreSQL.

    python bench/import_list.py --rows 1000000 [--pg postgresql://postgres@127.0.0.1/postgres]

Each import runs in a fresh child process so its peak RSS is measured alone.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

CHILD = """
import json, sys, time
from pathlib import Path
from kernel.settings import Settings
from kernel.db import Database, upgrade
from dialer.lists.importer import import_call_list, reports_root_for
settings = Settings(data_dir=Path(sys.argv[2]), database_url=sys.argv[3])
upgrade(settings)
db = Database(settings)
t = time.perf_counter()
s = import_call_list(db, Path(sys.argv[1]), reports_root=reports_root_for(settings.data_dir))
import resource
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": time.perf_counter() - t, "peak_rss_mb": peak, **s.to_dict()}))
"""


def make_file(rows: int, messy: float) -> Path:
    from simulator.population import write_csv

    out = HERE / "out"
    out.mkdir(exist_ok=True)
    path = out / f"list_{rows}_{int(messy * 100)}.csv"
    if not path.exists():
        write_csv(path, rows, seed=11, messy=messy)
    return path


def run_child(path: Path, url: str) -> dict[str, float]:
    """Imports in a fresh process, which reports its own peak RSS."""
    with tempfile.TemporaryDirectory() as data_dir:
        t = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), data_dir, url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        out, err = proc.communicate()
        wall = time.perf_counter() - t
        if proc.returncode != 0:
            raise SystemExit(err[-3000:])
        result = json.loads(out.strip().splitlines()[-1])
        result["wall"] = wall
        return result


def pg_database(admin_url: str) -> tuple[str, str]:
    from sqlalchemy import create_engine, text

    name = f"tc_bench_{uuid.uuid4().hex[:8]}"
    eng = create_engine(
        admin_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with eng.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    eng.dispose()
    return name, admin_url.rsplit("/", 1)[0] + "/" + name


def drop_pg(admin_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    eng = create_engine(
        admin_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with eng.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    eng.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--messy", type=float, default=0.2, help="share of rows in messy formats")
    ap.add_argument(
        "--pg",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="admin URL of a PostgreSQL server; '' to skip",
    )
    args = ap.parse_args()
    console = Console()
    path = make_file(args.rows, args.messy)
    console.print(f"file: {path.name}, {path.stat().st_size / 1e6:.0f} MB")
    table = Table(
        title=f"call-list import, {args.rows:,} rows (targets: SQLite <= 60 s, RSS < 500 MB)"
    )
    for col in ("database", "seconds", "rows/s", "peak RSS MB", "accepted", "merged", "invalid"):
        table.add_column(col, justify="right")
    targets = [("SQLite", "")]
    pg_name = None
    if args.pg:
        pg_name, url = pg_database(args.pg)
        targets.append(("PostgreSQL", url))
    try:
        for label, url in targets:
            r = run_child(path, url)
            table.add_row(
                label,
                f"{r['seconds']:.1f}",
                f"{r['total'] / r['seconds']:,.0f}",
                f"{r['peak_rss_mb']:.0f}",
                f"{r['accepted']:,}",
                f"{r['merged']:,}",
                f"{r['invalid']:,}",
            )
    finally:
        if pg_name:
            drop_pg(args.pg, pg_name)
    console.print(table)


if __name__ == "__main__":
    main()
