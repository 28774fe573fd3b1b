"""A relay process killed with SIGKILL mid-delivery, then restarted: nothing is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from crm_sync.fake_crm import FakeCrm, FaultPlan, ServerThread
from crm_sync.models import Delivery, Lead
from crm_sync.schemas import EndpointIn
from crm_sync.service import add_endpoint, record_outcome, sync_status
from kernel.db import Database
from tests.crm_sync.conftest import T0, outcome

ROOT = Path(__file__).resolve().parents[2]


def _relay_proc(db: Database, owner: str, *extra: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TAILCALL_ENV": "test",
        "TAILCALL_DATA_DIR": str(db.settings.data_dir),
        "TAILCALL_DATABASE_URL": db.settings.resolved_database_url,
        "TAILCALL_CRM_LEASE_S": "3",
        "TAILCALL_CRM_REQUEST_TIMEOUT_S": "1.5",
        "TAILCALL_CRM_CONNECT_TIMEOUT_S": "0.5",
        "TAILCALL_CRM_RETRY_BASE_S": "0.05",
        "TAILCALL_CRM_RETRY_CAP_S": "0.5",
        "TAILCALL_CRM_BATCH_SIZE": "20",
        "TAILCALL_CRM_ALLOWED_HOSTS": "127.0.0.1",
        "TAILCALL_CRM_CONCURRENCY": "8",
        "TAILCALL_CRM_IDLE_POLL_S": "0.1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "crm_sync.cli", "relay", "run", "--owner", owner, *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.chaos
def test_relay_killed_mid_delivery_loses_nothing(db: Database, secret: str) -> None:
    n = 100
    crm = FakeCrm(secret=secret, plan=FaultPlan(odds={"slow_ok": 1.0}, slow_s=3.0))
    server = ServerThread(crm.app).start()
    try:
        with db.session() as s:
            add_endpoint(s, EndpointIn(name="crm", kind="webhook", url=server.url, secret=secret))
            for i in range(n):
                record_outcome(s, outcome(i + 1), now=T0)
        first = _relay_proc(db, "first")
        deadline = time.monotonic() + 30
        while len(crm.processed) < 25:
            assert first.poll() is None, first.stderr.read() if first.stderr else b""
            assert time.monotonic() < deadline, "the first relay made no progress"
            time.sleep(0.02)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        with db.read() as s:
            held = s.scalars(
                select(Delivery).where(Delivery.lease_owner == "first", Delivery.state == "pending")
            ).all()
        assert held, "the kill should land while deliveries are leased"
        second = _relay_proc(db, "second", "--exit-when-done")
        _out, err = second.communicate(timeout=90)
        assert second.returncode == 0, err.decode()[-2000:]
    finally:
        server.stop()
    with db.read() as s:
        st = sync_status(s)
        statuses = {x.status for x in s.scalars(select(Lead))}
    c = st.connectors[0]
    assert (c.delivered, c.pending, c.failed, c.dead) == (n, 0, 0, 0)
    assert len(crm.processed) == n and set(crm.processed.values()) == {1}
    assert statuses == {"sent"}
