"""Campaigns speak only approved script versions, and every dial records the version."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from dialer.campaigns import service
from dialer.campaigns.models import Attempt, Campaign
from dialer.campaigns.worker import Dialer
from dialer.carriers.base import InMemoryCarrier
from kernel.actors import Actor
from kernel.clock import VirtualClock
from kernel.db import Database
from kernel.errors import Conflict
from scripts.loader import find_script
from scripts.versions import decide, script_file, submit
from tests.dialer.conftest import add_customers, add_list, fast_settings, make_spec

T0 = datetime(2026, 5, 6, 2, 0, tzinfo=UTC)
GATED = fast_settings(require_script_approval=True)


def _draft(db: Database, n: int = 2) -> int:
    with db.session() as s:
        cl = add_list(s, add_customers(s, n))
        spec = make_spec([cl.id], script_id="points_reminder", language="zh-CN")
        return service.create_campaign(s, spec, T0, by=Actor.system("test")).id


def _approve(db: Database) -> str:
    with db.session() as s:
        row = submit(s, find_script("points_reminder", "zh-CN").read_bytes(), "ana", T0)
        decide(s, row.id, "approve", "chen", "compliance", T0)
        return row.digest


def test_an_unapproved_script_does_not_start(db: Database) -> None:
    cid = _draft(db)
    with db.session() as s, pytest.raises(Conflict, match="not submitted") as err:
        service.start_campaign(s, cid, T0, GATED, "Asia/Shanghai", by=Actor.system("test"))
    assert err.value.where == "script_id" and "tailcall scripts submit" in err.value.message
    with db.read() as s:
        c = s.get(Campaign, cid)
        assert c is not None and c.status == "draft"
        assert s.scalar(select(Attempt.id).where(Attempt.campaign_id == cid)) is None


def test_an_approved_script_starts_and_each_dial_records_its_digest(db: Database) -> None:
    digest = _approve(db)
    cid = _draft(db)
    with db.session() as s:
        service.start_campaign(s, cid, T0, GATED, "Asia/Shanghai", by=Actor.system("test"))
    clock = VirtualClock(T0)
    assert (
        Dialer(db, db.settings, GATED, InMemoryCarrier(now=clock.now), clock=clock).tick().dialed
        == 2
    )
    with db.read() as s:
        c = s.get(Campaign, cid)
        assert c is not None and (c.script_version, c.script_digest) == ("1.0", digest)
        assert set(s.scalars(select(Attempt.script_digest))) == {digest}


def test_a_script_file_not_approved_at_dial_time_pauses_the_campaign(
    db: Database,
) -> None:
    cid = _draft(db)
    with db.session() as s:  # started before the gate was on: the file is not approved
        service.start_campaign(
            s, cid, T0, fast_settings(), "Asia/Shanghai", by=Actor.system("test")
        )
    clock = VirtualClock(T0)
    assert (
        Dialer(db, db.settings, GATED, InMemoryCarrier(now=clock.now), clock=clock).tick().dialed
        == 0
    )
    with db.read() as s:
        c = s.get(Campaign, cid)
        assert c is not None and c.status == "paused"
        assert c.end_reason is not None and "changed since it was approved" in c.end_reason
        assert set(s.scalars(select(Attempt.status))) == {"queued"}
        assert c.script_digest == script_file("points_reminder", "zh-CN").digest
