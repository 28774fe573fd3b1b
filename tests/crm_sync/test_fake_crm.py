"""The fake CRM as an aiohttp app (the benchmark's receiver) behaves like the Starlette one."""

from __future__ import annotations

import json
import time

from aiohttp.test_utils import TestClient, TestServer

from crm_sync import signing
from crm_sync.fake_crm import FakeCrm, FaultPlan


def _signed(secret: str, msg_id: str, data: dict[str, object]) -> tuple[bytes, dict[str, str]]:
    body = json.dumps({"id": msg_id, "type": "lead.created", "data": data}).encode()
    return body, signing.headers(secret, msg_id, int(time.time()), body)


async def test_aiohttp_receiver_verifies_dedupes_and_keeps_the_newest_version(
    secret: str,
) -> None:
    crm = FakeCrm(secret=secret)
    async with TestClient(TestServer(crm.aiohttp_app())) as client:
        for msg_id, version in (("e1", 2), ("e1", 2), ("e2", 1)):
            body, hdrs = _signed(secret, msg_id, {"lead_id": 7, "version": version})
            resp = await client.post("/hook", data=body, headers=hdrs)
            assert resp.status == 200
        body, hdrs = _signed(signing.new_secret(), "e3", {})
        bad = await client.post("/hook", data=body, headers=hdrs)
        assert bad.status == 401 and (await bad.json())["error"] == "bad signature"
    assert dict(crm.processed) == {"e1": 1, "e2": 1}
    assert (crm.duplicates, crm.rejected, crm.stale) == (1, 1, 1)
    assert crm.lead_versions == {7: 2}


async def test_aiohttp_receiver_injects_retry_after(secret: str) -> None:
    crm = FakeCrm(secret=secret, plan=FaultPlan(odds={"retry_after": 1.0}, retry_after="7"))
    async with TestClient(TestServer(crm.aiohttp_app())) as client:
        body, hdrs = _signed(secret, "e1", {})
        resp = await client.post("/hook", data=body, headers=hdrs)
        assert resp.status == 429 and resp.headers["retry-after"] == "7"
    assert not crm.processed
