"""SipCarrier under the real dial loop: claims, the dial intent, SIPp's final responses
mapped to the attempt's outcome, the campaign's caller id, the reaper after a restart."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest
from sqlalchemy import select

from dialer.campaigns import service
from dialer.campaigns.carrier_events import CarrierEventRecorder
from dialer.campaigns.models import Attempt
from dialer.campaigns.reaper import Reaper
from dialer.campaigns.worker import Dialer
from dialer.carriers.base import CarrierError, classify
from dialer.carriers.sip.carrier import SipCarrier, carrier_status
from dialer.carriers.sip.config import TrunkConfig
from dialer.carriers.sip.outcomes import CallEnd
from dialer.carriers.sip.outcomes import classify as sip_classify
from kernel.actors import Actor
from kernel.clock import SystemClock
from kernel.db import Database
from kernel.settings import Settings
from tests.dialer.carriers.sip.harness import Harness
from tests.dialer.carriers.sip.peers import HOST, free_udp_port, rtp_range
from tests.dialer.conftest import add_customers, add_list, fast_settings, make_spec

T = TypeVar("T")


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        (486, "busy"),
        (600, "busy"),
        (480, "powered_off"),
        (404, "invalid"),
        (604, "invalid"),
        (403, "restricted"),
        (487, "no_answer"),
        (408, "no_answer"),
        (503, "failed"),
        (603, "failed"),
    ],
)
def test_every_final_response_becomes_the_dialers_outcome(code: int, outcome: str) -> None:
    result = sip_classify(CallEnd(answered=False, final_code=code, ringing=True))
    assert classify(carrier_status(result.outcome), sip_code=result.code).outcome == outcome


async def _in_thread(fn: Callable[[], T]) -> T:
    """``fn`` on a thread of its own (the harness counts leftover threads)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return await asyncio.get_running_loop().run_in_executor(pool, fn)


def _attempts(db: Database, n: int) -> list[int]:
    now = datetime.now(UTC)
    with db.session() as s:
        cl = add_list(s, add_customers(s, n))
        c = service.create_campaign(
            s, make_spec([cl.id], caller_id="+8610955501"), now, by=Actor.system("test")
        )
        service.start_campaign(
            s, c.id, now, fast_settings(), "Asia/Shanghai", by=Actor.system("test")
        )
        return list(
            s.scalars(select(Attempt.id).where(Attempt.campaign_id == c.id).order_by(Attempt.id))
        )


def _attempt(db: Database) -> int:
    return _attempts(db, 1)[0]


async def _ended(db: Database, attempt_id: int, timeout: float = 15.0) -> Attempt:
    end = asyncio.get_running_loop().time() + timeout
    while True:
        with db.read() as s:
            a = s.get(Attempt, attempt_id)
            assert a is not None
            if a.status == "ended":
                s.expunge(a)
                return a
        assert asyncio.get_running_loop().time() < end, f"attempt still {a.status}"
        await asyncio.sleep(0.05)


def _carrier(db: Database, settings: Settings, port: int, **kw: object) -> SipCarrier:
    low, high = rtp_range(6)
    config = TrunkConfig(
        host=HOST,
        port=port,
        local_host=HOST,
        local_port=free_udp_port(),
        rtp_port_min=low,
        rtp_port_max=high,
        max_concurrent_calls=6,
        max_calls_per_second=50.0,
        **kw,  # type: ignore[arg-type]
    )
    return SipCarrier(
        config,
        on_status=CarrierEventRecorder(db, fast_settings(), settings.default_timezone),
    )


@pytest.mark.sip
@pytest.mark.parametrize(
    ("scenario", "ring", "outcome", "reason"),
    [
        ("busy_486", 10.0, "busy", "486"),
        ("early_480", 10.0, "powered_off", "480"),
        ("cancel_487", 1.0, "no_answer", "no answer before the ring timeout"),
    ],
)
async def test_a_dialed_attempt_ends_with_the_trunks_answer(
    harness: Harness,
    db: Database,
    settings: Settings,
    scenario: str,
    ring: float,
    outcome: str,
    reason: str,
) -> None:
    sipp = await harness.sipp(scenario)
    carrier = _carrier(db, settings, sipp.port, ring_timeout=ring)
    await carrier.start()
    try:
        aid = _attempt(db)
        dialer = Dialer(db, settings, fast_settings(), carrier, clock=SystemClock())
        report = await _in_thread(dialer.tick)
        assert report.dialed == 1
        a = await _ended(db, aid)
        assert a.outcome == outcome and a.carrier_sid and a.carrier_sid.startswith("SIP")
        assert a.end_reason and reason in a.end_reason
        if scenario == "early_480":
            assert a.ringing_at is not None
        assert await sipp.result() == 0  # ACKs and the CANCEL were right on the wire
        assert "From: <sip:+8610955501@" in sipp.log() or "+8610955501" in sipp.log()
    finally:
        await carrier.stop()


@pytest.mark.sip
async def test_after_a_restart_the_reaper_settles_calls_the_trunk_no_longer_holds(
    db: Database, settings: Settings
) -> None:
    carrier = _carrier(db, settings, free_udp_port())
    await carrier.start()
    try:
        aid, other = _attempts(db, 2)
        past = datetime.now(UTC) - timedelta(minutes=5)
        with db.session() as s:
            a = s.get(Attempt, aid)
            assert a is not None
            a.status, a.dialed_at, a.carrier_sid = "dialing", past, "SIP" + "0" * 32
            a.lease_until = past  # the watchdog fired
        ds = fast_settings()
        reaper = Reaper(db, settings, ds, carrier, SystemClock(), "w1")
        assert await _in_thread(lambda: reaper.reconcile(aid)) == "ended"
        with db.read() as s:
            a = s.get(Attempt, aid)
            assert a is not None and (a.status, a.outcome) == ("ended", "failed")
        # no sid stored: whether the INVITE left before the crash is unknown: not redialed
        with pytest.raises(CarrierError):
            carrier.find_calls("+8613800000000", past)
        with db.session() as s:
            a = s.get(Attempt, other)
            assert a is not None
            a.status, a.dialed_at, a.lease_until = "dialing", past, past
        assert await _in_thread(lambda: reaper.reconcile(other)) == "retry"
        with db.read() as s:
            a = s.get(Attempt, other)
            assert a is not None and a.status == "dialing"  # later: review, never a redial
    finally:
        await carrier.stop()


@dataclass(frozen=True)
class _Verdict:
    kind: str
    outcome: str | None
    label: str


class _Announcement:
    """A stand-in classifier: after 0.4 s of early audio, 'the number does not exist'."""

    def __init__(self) -> None:
        self.heard = 0

    def feed(self, pcm16: bytes, sample_rate: int) -> _Verdict | None:
        self.heard += len(pcm16) // 2
        if self.heard < 0.4 * sample_rate:
            return None
        return _Verdict("announcement", "invalid", "空号")


@pytest.mark.sip
async def test_an_announcement_in_the_early_media_ends_the_call_with_its_outcome(
    harness: Harness, db: Database, settings: Settings
) -> None:
    sipp = await harness.sipp("early_cancel")
    carrier = _carrier(db, settings, sipp.port)
    carrier.early_listener = _Announcement
    await carrier.start()
    try:
        aid = _attempt(db)
        dialer = Dialer(db, settings, fast_settings(), carrier, clock=SystemClock())
        assert (await _in_thread(dialer.tick)).dialed == 1
        a = await _ended(db, aid)
        assert a.outcome == "invalid" and a.end_reason and "空号" in a.end_reason
        assert await sipp.result() == 0  # CANCELled while ringing, the 487 ACKed
    finally:
        await carrier.stop()
