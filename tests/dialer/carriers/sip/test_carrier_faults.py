"""SIP faults through the dial loop: each ends the attempt with the right outcome and frees
the trunk's line (its RTP ports and its slot): a 503 storm, a trunk that answers nothing,
an RTP stream that stops, a BYE that is never answered."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from dialer.campaigns.models import Attempt
from dialer.campaigns.worker import Dialer
from dialer.carriers.sip import ua
from dialer.carriers.sip.carrier import SipCarrier
from kernel.clock import SystemClock
from kernel.db import Database
from kernel.settings import Settings
from tests.dialer.carriers.sip.harness import Harness
from tests.dialer.carriers.sip.test_carrier import (
    _attempt,
    _attempts,
    _carrier,
    _ended,
    _in_thread,
)
from tests.dialer.conftest import fast_settings

pytestmark = pytest.mark.sip


async def _line_free(carrier: SipCarrier) -> None:
    for _ in range(100):
        if not carrier.trunk.calls() and not carrier.trunk.rtp_ports_in_use:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"line not freed: {carrier.trunk.calls()}")


async def _dial(db: Database, settings: Settings, carrier: SipCarrier) -> int:
    dialer = Dialer(db, settings, fast_settings(), carrier, clock=SystemClock())
    return (await _in_thread(dialer.tick)).dialed


async def test_a_503_storm_fails_every_call_and_queues_its_retry(
    harness: Harness, db: Database, settings: Settings
) -> None:
    sipp = await harness.sipp("unavailable_503", calls=5)
    carrier = _carrier(db, settings, sipp.port)
    await carrier.start()
    try:
        ids = _attempts(db, 5)
        assert await _dial(db, settings, carrier) == 5
        for aid in ids:
            a = await _ended(db, aid)
            assert a.outcome == "failed" and a.end_reason and "503" in a.end_reason
            assert a.next_retry_at is not None  # failed: retried later, by the rules
        await _line_free(carrier)
        assert await sipp.result() == 0
        with db.read() as s:
            queued = s.scalar(
                select(func.count()).select_from(Attempt).where(Attempt.status == "queued")
            )
        assert queued == 5
    finally:
        await carrier.stop()


async def test_a_trunk_that_answers_nothing_fails_the_call(
    harness: Harness, db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ua, "CANCEL_WAIT", 1.0)  # our CANCEL goes unanswered too
    sipp = await harness.sipp("silent_trunk")
    carrier = _carrier(db, settings, sipp.port, ring_timeout=1.0)
    await carrier.start()
    try:
        aid = _attempt(db)
        assert await _dial(db, settings, carrier) == 1
        a = await _ended(db, aid)
        assert a.outcome == "failed" and a.end_reason
        assert "no provisional response" in a.end_reason
        await _line_free(carrier)
    finally:
        await carrier.stop()


async def test_rtp_that_stops_hangs_up_the_answered_call(
    harness: Harness, db: Database, settings: Settings
) -> None:
    sipp = await harness.sipp("rtp_stop")
    carrier = _carrier(db, settings, sipp.port, rtp_timeout=1.5)
    await carrier.start()
    try:
        aid = _attempt(db)
        assert await _dial(db, settings, carrier) == 1
        a = await _ended(db, aid)
        assert a.outcome == "answered" and a.answered_at is not None
        assert a.end_reason and "no RTP" in a.end_reason
        await _line_free(carrier)
        assert await sipp.result() == 0  # our BYE came
    finally:
        await carrier.stop()


async def test_a_bye_never_answered_still_ends_the_call_and_frees_the_line(
    harness: Harness, db: Database, settings: Settings
) -> None:
    sipp = await harness.sipp("bye_noreply")
    carrier = _carrier(db, settings, sipp.port)
    await carrier.start()
    try:
        aid = _attempt(db)
        assert await _dial(db, settings, carrier) == 1
        sid = await _answered(carrier)
        await _in_thread(lambda: carrier.hangup(sid))  # as the dialer or reaper would
        a = await _ended(db, aid)
        assert a.outcome == "answered" and a.end_reason and "we hung up" in a.end_reason
        await _line_free(carrier)
    finally:
        await carrier.stop()


async def _answered(carrier: SipCarrier) -> str:
    for _ in range(100):
        for sid in carrier.live_sids():
            call = carrier.call(sid)
            if call is not None and call.answered_at is not None:
                return sid
        await asyncio.sleep(0.05)
    raise AssertionError("the call was not answered")
