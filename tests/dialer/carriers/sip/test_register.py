"""REGISTER with digest against a SIPp registrar, unREGISTER on stop, and a refusal."""

from __future__ import annotations

import pytest

from dialer.carriers.sip.ua import SipTrunkError
from tests.dialer.carriers.sip.harness import Harness

pytestmark = [pytest.mark.sip, pytest.mark.timeout(60)]


async def test_register_with_digest_and_unregister(harness: Harness) -> None:
    sipp = await harness.sipp("register")
    trunk = await harness.trunk(sipp, username="alice", password="s3cret", register=True)
    assert trunk.registered
    assert "200" in trunk.registration_status and "3600" in trunk.registration_status
    await trunk.stop()
    assert not trunk.registered
    assert await sipp.result() == 0
    assert "Authorization: Digest" in sipp.log()


async def test_refused_registration_fails_start(harness: Harness) -> None:
    sipp = await harness.sipp("register_refused")
    with pytest.raises(
        SipTrunkError,
        match=r"registration with 127\.0\.0\.1 failed: REGISTER refused: 403 Forbidden",
    ):
        await harness.trunk(sipp, username="alice", password="s3cret", register=True)
    assert await sipp.result() == 0
