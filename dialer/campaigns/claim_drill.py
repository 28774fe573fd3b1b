"""A claim drill: one process claiming due attempts as fast as it can (tests and bench).

``python -m dialer.campaigns.claim_drill --url URL --owner w1 --out ids.json`` claims batches until
nothing is left and writes the ids it got; several such processes side by side show that
no attempt is ever claimed twice, and how many claims per second the database sustains.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import and_, insert

from dialer.campaigns.models import ATTEMPTS, Campaign
from dialer.lists.models import Customer
from kernel.claims import LeaseColumns, claim
from kernel.db import Database, utcnow
from kernel.settings import Settings


def seed(db: Database, n: int, *, due: datetime | None = None) -> int:
    """A running campaign with ``n`` customers and one queued attempt each; returns its id."""
    due = due or datetime(2026, 1, 1, tzinfo=UTC)
    with db.session() as s:
        c = Campaign(
            name=f"drill-{time.time_ns()}",
            status="running",
            script_id="drill",
            caller_id="+8610000",
            variants=[],
            audience={"list_ids": []},
            window={},
            pacing={},
            retry_rules={},
            thresholds={},
        )
        s.add(c)
        s.flush()
        base = s.query(Customer).count()
        for start in range(0, n, 10_000):
            rows = [
                {"phone_e164": f"+86139{base + i:08d}", "tags": [], "attributes": {}}
                for i in range(start, min(n, start + 10_000))
            ]
            ids = s.execute(insert(Customer).returning(Customer.id), rows).scalars().all()
            s.execute(
                insert(ATTEMPTS),
                [
                    {
                        "campaign_id": c.id,
                        "customer_id": cid,
                        "phone_e164": r["phone_e164"],
                        "seq": 1,
                        "status": "queued",
                        "due_at": due,
                        "queued_at": due,
                    }
                    for cid, r in zip(ids, rows, strict=True)
                ],
            )
        return c.id


def drill(
    url: str, owner: str, batch: int, lease_s: float, start_at: float | None
) -> dict[str, object]:
    settings = Settings(env="test", database_url=url, data_dir=Path(tempfile.gettempdir()))
    db = Database(settings)
    got: list[int] = []
    sizes: list[int] = []
    try:
        if start_at:
            time.sleep(max(0.0, start_at - time.time()))
        t0 = time.perf_counter()
        while True:
            with db.session() as s:
                now = utcnow()
                ids = claim(
                    s,
                    LeaseColumns(ATTEMPTS),
                    ready=and_(ATTEMPTS.c.status == "queued", ATTEMPTS.c.due_at <= now),
                    owner=owner,
                    now=now,
                    lease_seconds=lease_s,
                    limit=batch,
                    order_by=(ATTEMPTS.c.due_at, ATTEMPTS.c.id),
                )
            if not ids:
                break
            got.extend(ids)
            sizes.append(len(ids))
        elapsed = time.perf_counter() - t0
    finally:
        db.dispose()
    return {"owner": owner, "ids": got, "elapsed": elapsed, "batches": sizes}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--url", required=True)
    p.add_argument("--owner", required=True)
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--batch", type=int, default=50)
    p.add_argument("--lease-s", type=float, default=600.0)
    p.add_argument("--start-at", type=float, default=None, help="epoch seconds to begin")
    a = p.parse_args()
    result = drill(a.url, a.owner, a.batch, a.lease_s, a.start_at)
    a.out.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
