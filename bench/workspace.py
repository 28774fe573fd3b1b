"""Workspace benchmarks: a campaign's live page with 100,000 attempts, and the campaign
form's audience count for 1,000,000 customers on PostgreSQL.

    python bench/workspace.py --attempts 100000 --customers 1000000

Targets (issue 20): the campaign page renders in <= 500 ms with 100,000 attempts; the
audience count for 1M customers takes <= 2 s on PostgreSQL. Times are the median of
five requests after one warm-up, through the app (TestClient, a supervisor's session),
with the live numbers' cache off (each request does the work).
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, insert, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dialer.campaigns import service
from dialer.campaigns.audience_count import count_audience
from dialer.campaigns.models import Attempt
from dialer.campaigns.spec import AudienceFilter, AudienceSpec, CampaignSpec, VariantSpec
from dialer.lists.models import CallList
from handoff.auth import create_session
from handoff.models import User
from handoff.settings import HandoffSettings
from handoff.state import build_console
from handoff.web.campaigns import LiveCache
from kernel.actors import Actor
from kernel.db import Database
from kernel.settings import Settings
from tailcall.app import create_app
from tailcall.schema import metadata

BENCH_DB = "tc_bench_workspace"
NOW = datetime.now(UTC)


def _admin(url: str) -> Any:
    return create_engine(
        url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )


def _pg(admin_url: str, drop: bool = False) -> str:
    admin = _admin(admin_url)
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
        if not drop:
            c.execute(text(f'CREATE DATABASE "{BENCH_DB}"'))
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + "/" + BENCH_DB


def _copy_customers(db: Database, n: int, list_id: int) -> None:
    """n customers and their list membership, by COPY on PostgreSQL, else inserts."""
    rnd = random.Random(7)
    if db.engine.dialect.name == "postgresql":
        raw = db.engine.raw_connection()
        try:
            cur = raw.cursor()
            buf = io.StringIO()
            for i in range(n):
                star = rnd.randint(1, 5)
                buf.write(
                    f"{i + 1}\t+86138{i:08d}\tC{i:09d}\t{star}\t[]\t{{}}\t{NOW.isoformat()}\t{NOW.isoformat()}\n"
                )
            with cur.copy(  # type: ignore[attr-defined]
                "COPY customers (id, phone_e164, external_id, star_level, tags, attributes,"
                " created_at, updated_at) FROM STDIN"
            ) as cp:
                cp.write(buf.getvalue())
            buf = io.StringIO()
            for i in range(n):
                buf.write(f"{list_id}\t{i + 1}\t{i + 2}\n")
            with cur.copy("COPY list_members (list_id, customer_id, line_no) FROM STDIN") as cp:  # type: ignore[attr-defined]
                cp.write(buf.getvalue())
            cur.execute(f"SELECT setval('customers_id_seq', {n})")
            raw.commit()
        finally:
            raw.close()
        return
    rows = [
        {"id": i + 1, "phone_e164": f"+86138{i:08d}", "external_id": f"C{i:09d}",
         "star_level": rnd.randint(1, 5), "tags": [], "attributes": {}}
        for i in range(n)
    ]  # fmt: skip
    with db.session() as s:
        from dialer.lists.models import Customer, ListMember  # deferred: bench only

        for k in range(0, n, 20_000):
            s.execute(insert(Customer), rows[k : k + 20_000])
        members = [{"list_id": list_id, "customer_id": i + 1, "line_no": i + 2} for i in range(n)]
        for k in range(0, n, 20_000):
            s.execute(insert(ListMember), members[k : k + 20_000])


def _seed_list(db: Database, n: int) -> int:
    with db.session() as s:
        cl = CallList(name="bench", filename="bench.csv", sha256="0" * 64, encoding="utf-8",
                      region="CN", report_dir="/tmp", total_rows=n, accepted=n)  # fmt: skip
        s.add(cl)
        s.flush()
        list_id = cl.id
    _copy_customers(db, n, list_id)
    return list_id


def _seed_campaign(db: Database, n: int) -> int:
    """A running campaign with ``n`` attempts over the last 8 hours, outcomes mixed."""
    list_id = _seed_list(db, n)
    rnd = random.Random(3)
    start = NOW - timedelta(hours=8)
    with db.session() as s:
        spec = CampaignSpec(
            name="bench", script_id="wealth_followup", caller_id="+861095555",
            audience=AudienceSpec(list_ids=[list_id]),
            variants=[VariantSpec(name="A"), VariantSpec(name="B")], live_handoff=True,
        )  # fmt: skip
        c = service.create_campaign(s, spec, start, by=Actor.system("bench"))
        c.status, c.started_at = "running", start
        cid = c.id
    rows = []
    for i in range(n):
        dialed = start + timedelta(seconds=i * 8 * 3600 / n)
        r: dict[str, Any] = {
            "campaign_id": cid, "customer_id": i + 1, "phone_e164": f"+86138{i:08d}",
            "variant": "AB"[i % 2], "status": "ended", "due_at": start, "queued_at": start,
            "dialed_at": dialed, "outcome": "no_answer",
        }  # fmt: skip
        if i > n * 0.95:
            r.update(status="queued", dialed_at=None, outcome=None)
        elif rnd.random() < 0.6:
            r.update(answered_at=dialed + timedelta(seconds=9), outcome="answered",
                     answered_by="human", disposition="interested",
                     grade=rnd.choice("ABCCDD"), opted_out=rnd.random() < 0.03)  # fmt: skip
            if r["grade"] in "AB" and rnd.random() < 0.5:
                r.update(handoff_requested_at=dialed + timedelta(seconds=40),
                         handoff_result=rnd.choice(["accepted", "accepted", "timeout"]))  # fmt: skip
        rows.append(r)
    keys = sorted({k for r in rows for k in r})
    rows = [{k: r.get(k) for k in keys} | {"opted_out": bool(r.get("opted_out"))} for r in rows]
    with db.session() as s:
        for k in range(0, n, 10_000):
            s.execute(insert(Attempt), rows[k : k + 10_000])
    return cid


def _client(settings: Settings, db: Database) -> TestClient:
    app = create_app(settings, db)
    app.state.handoff = build_console(settings, db, settings=HandoffSettings(cookie_secure=False))
    with db.session() as s:
        u = User(username="bench", password_hash="x", role="supervisor")
        s.add(u)
        s.flush()
        uid = u.id
    token = create_session(db, uid, datetime.now(UTC), 3600)
    app.state.workspace_live = LiveCache(ttl_s=0)  # measure the work, not the cache
    client = TestClient(app)
    client.cookies.set("tc_session", token)
    return client


def _median_ms(fn: Callable[[], object], runs: int = 5) -> float:
    fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def page_bench(settings: Settings, n: int) -> list[tuple[str, float]]:
    db = Database(settings)
    metadata.create_all(db.engine)
    t0 = time.perf_counter()
    cid = _seed_campaign(db, n)
    seeded = time.perf_counter() - t0
    client = _client(settings, db)
    out = [(f"seed {n} attempts (s, not a target)", seeded * 1000)]
    for label, path in (
        ("campaign page (the funnel; charts load after)", f"/console/campaigns/{cid}"),
        ("live partial (polled every 500 ms)", f"/console/campaigns/{cid}/live"),
        ("charts partial", f"/console/campaigns/{cid}/charts"),
        ("race partial", f"/console/campaigns/{cid}/race"),
        ("API live", f"/api/workspace/campaigns/{cid}/live"),
    ):

        def get(path: str = path) -> None:
            r = client.get(path)
            assert r.status_code == 200, r.text[:300]

        out.append((label, _median_ms(get)))

    def page_and_charts() -> None:
        for path in (f"/console/campaigns/{cid}", f"/console/campaigns/{cid}/charts"):
            assert client.get(path).status_code == 200

    out.append(("page + its charts, one after the other", _median_ms(page_and_charts)))
    db.dispose()
    return out


def audience_bench(pg_url: str, n: int) -> list[tuple[str, float]]:
    settings = Settings(env="test", data_dir=Path(tempfile.mkdtemp()), database_url=_pg(pg_url))
    db = Database(settings)
    try:
        metadata.create_all(db.engine)
        t0 = time.perf_counter()
        list_id = _seed_list(db, n)
        with db.session() as s:
            s.execute(text(
                "INSERT INTO suppressions (kind, phone_e164, source, created_at) "
                "SELECT (ARRAY['dnc','opt_out','blacklist','staff'])[1 + i % 4], "
                "'+86138' || lpad((i * 97)::text, 8, '0'), 'bench', now() "
                "FROM generate_series(0, :m - 1) AS i"), {"m": n // 100})  # fmt: skip
            s.execute(text("ANALYZE"))
        out = [(f"seed {n} customers (s, not a target)", (time.perf_counter() - t0) * 1000)]
        for label, spec in (
            ("audience count: one list", AudienceSpec(list_ids=[list_id])),
            ("audience count: list + stars 3-5", AudienceSpec(list_ids=[list_id], filter=AudienceFilter(star_min=3))),
        ):  # fmt: skip

            def run(spec: AudienceSpec = spec) -> None:
                with db.read() as s:
                    c = count_audience(s, spec)
                    assert c.members > 0 and sum(c.excluded.values()) > 0

            out.append((label, _median_ms(run)))
        return out
    finally:
        db.dispose()
        _pg(pg_url, drop=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    p.add_argument("--attempts", type=int, default=100_000)
    p.add_argument("--customers", type=int, default=1_000_000)
    p.add_argument("--skip-pg", action="store_true")
    a = p.parse_args()
    console = Console()
    rows: list[tuple[str, str, float]] = []
    with tempfile.TemporaryDirectory() as d:
        sqlite = Settings(env="test", data_dir=Path(d) / "var", database_url="")
        sqlite.ensure_dirs()
        rows += [("SQLite", k, v) for k, v in page_bench(sqlite, a.attempts)]
    if not a.skip_pg:
        pg = Settings(env="test", data_dir=Path(tempfile.mkdtemp()), database_url=_pg(a.pg_url))
        try:
            rows += [("PostgreSQL", k, v) for k, v in page_bench(pg, a.attempts)]
        finally:
            _pg(a.pg_url, drop=True)
        rows += [("PostgreSQL", k, v) for k, v in audience_bench(a.pg_url, a.customers)]
    t = Table(title=f"workspace ({a.attempts} attempts; {a.customers} customers)")
    for col in ("backend", "what", "ms (median of 5)"):
        t.add_column(col)
    for backend, what, ms in rows:
        t.add_row(backend, what, f"{ms:.0f}")
    console.print(t)


if __name__ == "__main__":
    main()
