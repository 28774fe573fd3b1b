"""Several relays on one PostgreSQL database: no delivery is ever claimed twice."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from crm_sync.fake_crm import FakeCrm, ServerThread
from crm_sync.models import DeliveryAttempt
from crm_sync.relay import Relay
from crm_sync.schemas import EndpointIn
from crm_sync.service import add_endpoint, record_outcome, sync_status
from kernel.clock import SystemClock
from kernel.db import Database
from tests.crm_sync.conftest import T0, fast_settings, outcome


@pytest.mark.pg
async def test_concurrent_relays_share_the_work_without_double_claims(
    pg_db: Database, secret: str
) -> None:
    n = 300
    crm = FakeCrm(secret=secret)
    server = ServerThread(crm.app).start()
    try:
        with pg_db.session() as s:
            add_endpoint(s, EndpointIn(name="crm", kind="webhook", url=server.url, secret=secret))
            for i in range(n):
                record_outcome(s, outcome(i + 1), now=T0)
        relays = [
            Relay(
                pg_db,
                fast_settings(batch_size=20, lease_s=30, request_timeout_s=10.0),
                SystemClock(),
                owner=f"r{i}",
            )
            for i in range(4)
        ]
        await asyncio.wait_for(
            asyncio.gather(*(r.run(exit_when_done=True) for r in relays)), timeout=60
        )
    finally:
        server.stop()
    with pg_db.read() as s:
        pairs = s.execute(select(DeliveryAttempt.delivery_id, DeliveryAttempt.attempt_no)).all()
        ok = s.scalar(
            select(func.count()).select_from(DeliveryAttempt).where(DeliveryAttempt.verdict == "ok")
        )
        st = sync_status(s)
    # A claim is never shared: no attempt number of a delivery was made by two relays, and
    # exactly one attempt per delivery succeeded (a slow machine may add timed-out retries).
    assert len(pairs) == len(set(pairs))
    assert ok == n
    assert st.connectors[0].delivered == n
    assert len(crm.processed) == n
    assert sum(1 for r in relays if r.totals.delivered) >= 2
