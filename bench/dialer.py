"""Dialer benchmarks: claim throughput (PostgreSQL, several processes; SQLite, one) and a
campaign-sized eligibility pass.

    python bench/dialer.py --attempts 20000 --workers 4 --customers 100000

Targets (issue 7): >= 2,000 claims/s on PostgreSQL with 4 processes and zero double
claims; a 100,000-customer eligibility pass under 10 s.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from datetime import time as dtime
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, insert, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dialer.campaigns import audience, calendars, service, stored
from dialer.campaigns.claim_drill import drill, seed
from dialer.campaigns.config import DialerSettings
from dialer.campaigns.models import Campaign
from dialer.campaigns.spec import AudienceSpec, CampaignSpec
from dialer.campaigns.windows import CallingWindow
from dialer.lists.models import CallList, Customer, ListMember, Suppression
from kernel.actors import Actor
from kernel.db import Database
from kernel.settings import Settings
from tailcall.schema import metadata

BENCH_DB = "tc_bench_dialer"


def _schema(db: Database) -> None:
    metadata.create_all(db.engine)


def _pg_database(admin_url: str) -> str:
    admin = create_engine(
        admin_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{BENCH_DB}"'))
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + "/" + BENCH_DB


def _drop_pg(admin_url: str) -> None:
    admin = create_engine(
        admin_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
    admin.dispose()


def claim_pg(admin_url: str, n: int, workers: int, batch: int, tmp: Path) -> dict[str, object]:
    url = _pg_database(admin_url)
    db = Database(Settings(env="test", database_url=url, data_dir=tmp))
    try:
        _schema(db)
        seed(db, n)
        start_at = time.time() + 3.0
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "dialer.campaigns.claim_drill",
                    "--url",
                    url,
                    "--owner",
                    f"w{i}",
                    "--out",
                    str(tmp / f"w{i}.json"),
                    "--batch",
                    str(batch),
                    "--start-at",
                    str(start_at),
                ],
                cwd=Path(__file__).resolve().parents[1],
            )
            for i in range(workers)
        ]
        for p in procs:
            p.wait(timeout=600)
        end = time.time()
        results = [json.loads((tmp / f"w{i}.json").read_text()) for i in range(workers)]
    finally:
        db.dispose()
        _drop_pg(admin_url)
    ids = [i for r in results for i in r["ids"]]
    dup = sum(c - 1 for c in Counter(ids).values() if c > 1)
    wall = max(r["elapsed"] for r in results)
    return {
        "backend": f"PostgreSQL, {workers} processes",
        "claimed": len(ids),
        "double": dup,
        "seconds": wall,
        "rate": len(ids) / wall,
        "wall_incl_exit": end - start_at,
    }


def claim_sqlite(n: int, batch: int, tmp: Path) -> dict[str, object]:
    settings = Settings(env="test", data_dir=tmp / "sqlite", database_url="")
    settings.ensure_dirs()
    db = Database(settings)
    _schema(db)
    seed(db, n)
    db.dispose()
    r = drill(settings.resolved_database_url, "w0", batch, 600, None)
    ids: list[int] = r["ids"]  # type: ignore[assignment]
    dup = len(ids) - len(set(ids))
    secs: float = r["elapsed"]  # type: ignore[assignment]
    return {
        "backend": "SQLite, 1 process",
        "claimed": len(ids),
        "double": dup,
        "seconds": secs,
        "rate": len(ids) / secs,
    }


def dial_loop(n: int, tmp: Path) -> dict[str, object]:
    """The whole dial path in one process on SQLite: claim, re-check, intent, originate."""
    from dialer.campaigns.pacing import PacingConfig
    from dialer.campaigns.worker import Dialer
    from dialer.carriers.base import InMemoryCarrier

    settings = Settings(env="test", data_dir=tmp / "loop", database_url="")
    settings.ensure_dirs()
    db = Database(settings)
    _schema(db)
    cid = seed(db, n)
    with db.session() as s:
        c = s.get(Campaign, cid)
        assert c is not None
        c.window = CallingWindow(
            weekdays=list(range(7)), hours=[(dtime(0), dtime(23, 59, 59))], holiday_calendar=None
        ).model_dump(mode="json")
        c.pacing = PacingConfig(max_concurrent=n, calls_per_second=1e6).model_dump(mode="json")
    ds = DialerSettings(lines=n, calls_per_second=1e6, claim_batch=200)
    carrier = InMemoryCarrier()
    d = Dialer(db, settings, ds, carrier)
    t0 = time.perf_counter()
    while d.tick().claimed:
        pass
    secs = time.perf_counter() - t0
    db.dispose()
    return {"dialed": len(carrier.calls), "seconds": secs, "rate": len(carrier.calls) / secs}


def eligibility(n: int, tmp: Path) -> dict[str, float]:
    """Build a campaign of ``n`` customers: load facts, decide, queue (SQLite)."""
    settings = Settings(env="test", data_dir=tmp / "elig", database_url="")
    settings.ensure_dirs()
    db = Database(settings)
    _schema(db)
    zones = ["Asia/Shanghai", None, "Asia/Urumqi", "America/New_York"]
    with db.session() as s:
        cl = CallList(
            name="bench",
            filename="bench.csv",
            sha256="0" * 64,
            encoding="utf-8",
            region="CN",
            report_dir=str(tmp),
        )
        s.add(cl)
        s.flush()
        for start in range(0, n, 20_000):
            rows = [
                {
                    "phone_e164": f"+86137{i:08d}",
                    "external_id": f"B{i}",
                    "timezone": zones[i % 4],
                    "tags": [],
                    "attributes": {},
                }
                for i in range(start, min(n, start + 20_000))
            ]
            ids = s.execute(insert(Customer).returning(Customer.id), rows).scalars().all()
            s.execute(
                insert(ListMember),
                [{"list_id": cl.id, "customer_id": cid, "line_no": k} for k, cid in enumerate(ids)],
            )
        s.execute(
            insert(Suppression),
            [
                {"kind": "dnc", "phone_e164": f"+86137{i:08d}", "source": "bench"}
                for i in range(0, n, 50)
            ],
        )
        list_id = cl.id
    spec = CampaignSpec(
        name="bench",
        script_id="s",
        caller_id="+8610",
        audience=AudienceSpec(list_ids=[list_id]),
        window=CallingWindow(hours=[(dtime(9), dtime(20))]),
    )
    ds = DialerSettings()
    now = datetime(2026, 5, 6, 3, 0, tzinfo=UTC)
    out: dict[str, float] = {}
    with db.session() as s:
        c = service.create_campaign(s, spec, now, by=Actor.system("bench"))
        t0 = time.perf_counter()
        rows = audience.audience_customers(s, c)
        t1 = time.perf_counter()
        facts = audience.FactsLoader(s, ds, "Asia/Shanghai").load(rows, now)
        t2 = time.perf_counter()
        window = stored.window_of(c)
        decisions = audience.eligibility_pass(
            facts, window, calendars.calendar_for(s, window.holiday_calendar), ds.caps(), now
        )
        t3 = time.perf_counter()
        out = {
            "audience query": t1 - t0,
            "facts (lists, caps, live calls)": t2 - t1,
            "decisions (windows, caps, lists)": t3 - t2,
        }
        out["eligibility pass total"] = t3 - t0
        out["not dialable now (skip or later)"] = sum(1 for d in decisions.values() if not d.ok)
    with db.session() as s:
        c2 = s.get(Campaign, c.id)
        assert c2 is not None
        t4 = time.perf_counter()
        service.start_campaign(s, c2.id, now, ds, "Asia/Shanghai", by=Actor.system("bench"))
        out["whole start (pass + queue attempts)"] = time.perf_counter() - t4
    db.dispose()
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    p.add_argument("--attempts", type=int, default=20_000)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--customers", type=int, default=100_000)
    p.add_argument("--skip-pg", action="store_true")
    a = p.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        rows = []
        if not a.skip_pg:
            rows.append(claim_pg(a.pg_url, a.attempts, a.workers, a.batch, tmp))
        rows.append(claim_sqlite(a.attempts, a.batch, tmp))
        t = Table(title=f"claim throughput ({a.attempts} attempts, batch {a.batch})")
        for col in ("backend", "claimed", "double claims", "seconds", "claims/s"):
            t.add_column(col)
        for r in rows:
            t.add_row(
                str(r["backend"]),
                str(r["claimed"]),
                str(r["double"]),
                f"{r['seconds']:.2f}",
                f"{r['rate']:.0f}",
            )
        console.print(t)
        loop = dial_loop(min(a.attempts, 5000), tmp)
        console.print(
            f"dial loop, SQLite, 1 process, in-memory carrier: {loop['dialed']} attempts in "
            f"{loop['seconds']:.2f} s = {loop['rate']:.0f} attempts/s (claim + re-check + "
            "intent commit + originate + sid commit)"
        )
        e = eligibility(a.customers, tmp)
        t2 = Table(title=f"eligibility pass, {a.customers} customers (SQLite)")
        t2.add_column("step")
        t2.add_column("seconds / count")
        for k, v in e.items():
            t2.add_row(k, str(int(v)) if k.startswith("not") else f"{v:.2f}")
        console.print(t2)


if __name__ == "__main__":
    main()
