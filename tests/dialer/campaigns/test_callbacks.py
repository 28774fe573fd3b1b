"""Agent-first call backs: eligibility without the marketing caps, the attempt carrying
the agent and the task, and the stream naming the agent for the media endpoint."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from dialer.campaigns import service
from dialer.campaigns.callbacks import DialerCallbacks
from dialer.campaigns.eligibility import (
    ContactHistory,
    CustomerFacts,
    FrequencyCaps,
    decide,
    decide_callback,
)
from dialer.campaigns.holidays import HolidayCalendar
from dialer.campaigns.models import Attempt
from dialer.campaigns.windows import CallingWindow, ZoneSpec
from dialer.campaigns.worker import Dialer
from dialer.carriers.base import InMemoryCarrier
from dialer.lists.models import Customer, Suppression
from handoff.followups import create_follow_up
from kernel.actors import Actor
from kernel.clock import VirtualClock
from kernel.db import Database
from kernel.errors import Conflict
from kernel.settings import Settings
from tests.dialer.conftest import ALWAYS, add_customers, add_list, fast_settings, make_spec

T0 = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, a Tuesday


def test_caps_do_not_hold_back_a_call_back_but_suppressions_do() -> None:
    facts = CustomerFacts(
        customer_id=1,
        zones=ZoneSpec(("Asia/Shanghai",)),
        history=ContactHistory(
            dialed=(T0 - timedelta(hours=1),), connected=(T0 - timedelta(hours=1),)
        ),
    )
    cal = HolidayCalendar(name="none")
    assert decide(facts, ALWAYS, cal, FrequencyCaps(), T0).reason == "cap_connected"
    assert decide_callback(facts, ALWAYS, cal, T0).ok
    dnc = CustomerFacts(1, ZoneSpec(("Asia/Shanghai",)), suppressions=frozenset({"dnc"}))
    assert decide_callback(dnc, ALWAYS, cal, T0).reason == "dnc"
    night = CallingWindow(weekdays=list(range(7)), hours=[], holiday_calendar=None)
    assert not decide_callback(facts, night, cal, T0).ok


def _answered_call(db: Database, clock: VirtualClock) -> tuple[int, int, int]:
    """A campaign whose call to one customer ended with a follow-up task."""
    with db.session() as s:
        custs = add_customers(s, 1)
        cl = add_list(s, custs)
        c = service.create_campaign(s, make_spec([cl.id]), clock.now(), by=Actor.system("test"))
        service.start_campaign(
            s, c.id, clock.now(), fast_settings(), "Asia/Shanghai", by=Actor.system("test")
        )
        a = s.scalar(select(Attempt).where(Attempt.campaign_id == c.id))
        assert a is not None
        a.status, a.carrier_sid = "ended", "CA-orig"
        a.dialed_at = a.answered_at = a.ended_at = clock.now()
        task = create_follow_up(
            s, "CA-orig", custs[0].id, "asked_rate", "A", clock.now(), "call:CA-orig"
        )
        return c.id, custs[0].id, task.id


def _dialer(
    db: Database, settings: Settings, clock: VirtualClock
) -> tuple[Dialer, InMemoryCarrier]:
    carrier = InMemoryCarrier(now=clock.now)
    return Dialer(db, settings, fast_settings(), carrier, clock=clock), carrier


def test_call_back_dials_with_the_agent_on_the_stream(db: Database, settings: Settings) -> None:
    clock = VirtualClock(T0)
    cid, customer_id, task_id = _answered_call(db, clock)
    dialer, carrier = _dialer(db, settings, clock)
    callbacks = DialerCallbacks(dialer)
    callbacks.request_callback(
        customer_id=customer_id, agent_id=7, task_id=task_id, call_sid="CA-orig"
    )
    for t in callbacks.threads:
        t.join(10)
    (call,) = carrier.calls.values()
    assert call.params["agentId"] == "7" and call.params["taskId"] == str(task_id)
    with db.read() as s:
        a = s.scalar(select(Attempt).where(Attempt.agent_id == 7))
        assert a is not None and a.campaign_id == cid and a.follow_up_id == task_id
        assert a.status == "dialing" and a.seq == 2 and a.carrier_sid == call.info.sid


def test_a_suppressed_customer_is_refused_at_once(db: Database, settings: Settings) -> None:
    clock = VirtualClock(T0)
    _, customer_id, task_id = _answered_call(db, clock)
    with db.session() as s:
        cust = s.get(Customer, customer_id)
        assert cust is not None
        s.add(Suppression(kind="opt_out", phone_e164=cust.phone_e164, source="call"))
    dialer, carrier = _dialer(db, settings, clock)
    with pytest.raises(Conflict, match="opt_out"):
        DialerCallbacks(dialer).request_callback(
            customer_id=customer_id, agent_id=7, task_id=task_id, call_sid="CA-orig"
        )
    assert not carrier.calls
    with db.read() as s:
        assert s.scalar(select(Attempt).where(Attempt.agent_id == 7)) is None


def test_a_task_from_elsewhere_cannot_be_called_back(db: Database, settings: Settings) -> None:
    clock = VirtualClock(T0)
    _, customer_id, _ = _answered_call(db, clock)
    with db.session() as s:
        other = create_follow_up(s, "CA-unknown", customer_id, "r", "B", T0, None)
        other_id = other.id
    dialer, _ = _dialer(db, settings, clock)
    with pytest.raises(Conflict, match="not placed by this dialer"):
        DialerCallbacks(dialer).request_callback(
            customer_id=customer_id, agent_id=7, task_id=other_id, call_sid="CA-unknown"
        )
