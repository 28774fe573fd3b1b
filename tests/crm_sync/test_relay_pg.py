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
from tailcall.clock import SystemClock
from tailcall.db import Database
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
            Relay(pg_db, fast_settings(batch_size=20, lease_s=30), SystemClock(), owner=f"r{i}")
            for i in range(4)
        ]
        await asyncio.wait_for(
            asyncio.gather(*(r.run(exit_when_done=True) for r in relays)), timeout=60
        )
    finally:
        server.stop()
    with pg_db.read() as s:
        attempts = s.scalar(select(func.count()).select_from(DeliveryAttempt))
        st = sync_status(s)
    assert attempts == n  # one attempt per delivery: nothing claimed twice
    assert st.connectors[0].delivered == n
    assert crm.duplicates == 0 and len(crm.processed) == n
    assert sum(1 for r in relays if r.totals.delivered) >= 2
