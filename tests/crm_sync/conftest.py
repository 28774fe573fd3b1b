"""CRM sync fixtures: outcomes, a fake CRM receiver on 127.0.0.1, settings for fast retries."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from crm_sync.fake_crm import FakeCrm, FaultPlan, ServerThread
from crm_sync.outcomes import CallOutcome
from crm_sync.settings import CrmSettings
from crm_sync.signing import new_secret

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def outcome(call_id: int, **kw: Any) -> CallOutcome:
    base: dict[str, Any] = {
        "call_id": call_id,
        "attempt_id": call_id * 10,
        "campaign_id": 1,
        "customer_id": 1000 + call_id,
        "branch": "Gangnam",
        "phone_e164": "+8613812345678",
        "script_id": "card-upsell",
        "disposition": "completed",
        "grade": "A",
        "score": 0.91,
        "reasons": ("asked about rates",),
        "transcript_url": f"http://127.0.0.1/calls/{call_id}/transcript",
        "ended_at": T0,
    }
    base.update(kw)
    return CallOutcome(**base)


def fast_settings(**kw: Any) -> CrmSettings:
    values: dict[str, Any] = {
        "batch_size": 50,
        "concurrency": 16,
        "lease_s": 3.0,
        "idle_poll_s": 0.05,
        "connect_timeout_s": 0.5,
        "request_timeout_s": 0.8,
        "retry_base_s": 0.05,
        "retry_cap_s": 0.5,
        "retry_give_up_s": 3600.0,
        "permanent_max_tries": 3,
        "allowed_hosts": "127.0.0.1",  # the fake CRMs'
    }
    values.update(kw)
    return CrmSettings(_env_file=None, **values)


@pytest.fixture
def secret() -> str:
    return new_secret()


@pytest.fixture
def fake_crm(secret: str) -> Iterator[tuple[FakeCrm, ServerThread]]:
    crm = FakeCrm(secret=secret, plan=FaultPlan())
    server = ServerThread(crm.app).start()
    try:
        yield crm, server
    finally:
        server.stop()
