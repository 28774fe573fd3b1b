"""Campaign service: lifecycle, audience, variants, skips, opt-out, database uniqueness."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from dialer.campaigns import audience, calendars, outcomes, reports, service
from dialer.campaigns.holidays import parse_calendar
from dialer.campaigns.models import Attempt, SkipRecord
from dialer.campaigns.spec import AudienceFilter, AudienceSpec, VariantSpec, pick_variant
from dialer.lists.models import Customer, Suppression
from kernel.actors import Actor
from kernel.audit import about
from kernel.db import Database
from kernel.errors import Conflict, InvalidInput
from tests.dialer.conftest import add_customers, add_list, fast_settings, make_spec

NOW = datetime(2026, 5, 6, 2, 0, tzinfo=UTC)


def test_lifecycle_transitions(db: Database) -> None:
    with db.session() as s:
        cl = add_list(s, add_customers(s, 3))
        c = service.create_campaign(
            s, make_spec([cl.id], name="spring"), NOW, by=Actor.system("test")
        )
        assert c.status == "draft"
        with pytest.raises(Conflict):
            service.pause_campaign(s, c.id, NOW, by=Actor.system("test"))
        with pytest.raises(Conflict):
            service.create_campaign(
                s, make_spec([cl.id], name="spring"), NOW, by=Actor.system("test")
            )
        rep = service.start_campaign(
            s, c.id, NOW, fast_settings(), "Asia/Shanghai", by=Actor.system("test")
        )
        assert (c.status, rep.members, rep.queued) == ("running", 3, 3)
        with pytest.raises(Conflict):
            service.start_campaign(
                s, c.id, NOW, fast_settings(), "Asia/Shanghai", by=Actor.system("test")
            )
        with pytest.raises(Conflict):
            service.update_campaign(s, c.id, make_spec([cl.id]), NOW, by=Actor.system("test"))
        service.pause_campaign(s, c.id, NOW, by=Actor.system("test"))
        service.resume_campaign(s, c.id, NOW, by=Actor.system("test"))
        assert c.status == "running"
        assert service.cancel_campaign(s, c.id, NOW, "wrong list", by=Actor.system("test")) == 3
        assert (c.status, c.end_reason) == ("cancelled", "wrong list")


def test_scheduled_campaign_starts_at_its_time_and_completes(db: Database) -> None:
    with db.session() as s:
        cl = add_list(s, add_customers(s, 1))
        c = service.create_campaign(
            s, make_spec([cl.id], start_at=NOW + timedelta(hours=1)), NOW, by=Actor.system("test")
        )
        service.start_campaign(s, c.id, NOW, fast_settings(), "UTC", by=Actor.system("test"))
        assert c.status == "scheduled"
        service.promote_and_complete(s, NOW + timedelta(hours=1))
        assert c.status == "running"
        s.execute(update(Attempt).values(status="ended"))
        service.promote_and_complete(s, NOW + timedelta(hours=2))
        assert c.status == "completed"
        log = [(e.event, e.username, e.address) for e in reversed(about(s, f"campaign:{c.id}"))]
    assert log == [
        ("campaign_created", "system:test", "system"),
        ("campaign_start", "system:test", "system"),
        ("campaign_running", "system:dial-loop", "system"),
        ("campaign_completed", "system:dial-loop", "system"),
    ]


def test_unknown_list_is_named(db: Database) -> None:
    with db.session() as s, pytest.raises(InvalidInput) as err:
        service.create_campaign(s, make_spec([99]), NOW, by=Actor.system("test"))
    assert err.value.where == "audience.list_ids[0]"


def test_audience_filter_and_skips(db: Database) -> None:
    with db.session() as s:
        custs = add_customers(s, 6, branch="Pudong")
        custs[0].star_level, custs[1].star_level = 5, 1
        custs[2].tags = ["browsed_wealth"]
        custs[3].tags = ["browsed_wealth", "purchased"]
        custs[4].attributes = {"aum": 80_000}
        for c in custs[2:]:
            c.star_level = 4
        add_customers(s, 2, start=50, branch="Minhang", star_level=5)
        s.add(Suppression(kind="staff", external_id="C000005", source="hr"))
        s.add(Suppression(kind="opt_out", phone_e164="+8613800000004", source="call"))
        s.flush()
        f = AudienceFilter(star_min=3, branches=["Pudong"])
        camp = service.create_campaign(
            s, make_spec([], audience=AudienceSpec(filter=f)), NOW, by=Actor.system("test")
        )
        rep = service.start_campaign(
            s, camp.id, NOW, fast_settings(), "Asia/Shanghai", by=Actor.system("test")
        )
        assert rep.members == 5 and rep.queued == 3
        assert rep.skipped == Counter({"staff": 1, "opt_out": 1})
        assert reports.skip_counts(s, camp.id) == {"staff": 1, "opt_out": 1}
        f2 = AudienceFilter(tags_all=["browsed_wealth"], tags_none=["purchased"])
        assert [
            r.id
            for r in audience.audience_customers(
                s,
                service.create_campaign(
                    s, make_spec([], audience=AudienceSpec(filter=f2)), NOW, by=Actor.system("test")
                ),
            )
        ] == [custs[2].id]
        f3 = AudienceFilter(aum_min=50_000, aum_max=100_000)
        assert f3.matches(4, None, None, [], {"aum": 80_000})
        assert not f3.matches(4, None, None, [], {})


def test_variants_are_sticky_and_weighted() -> None:
    vs = [
        VariantSpec(name="A", weight=3),
        VariantSpec(name="B", weight=1),
        VariantSpec(name="off", weight=0),
    ]
    picks = [pick_variant(vs, 7, cid) for cid in range(4000)]
    assert picks == [pick_variant(vs, 7, cid) for cid in range(4000)]
    share = Counter(picks)
    assert "off" not in share
    assert 0.70 < share["A"] / 4000 < 0.80


def test_retries_keep_the_variant(db: Database) -> None:
    with db.session() as s:
        cl = add_list(s, add_customers(s, 1))
        spec = make_spec([cl.id], variants=[VariantSpec(name="A"), VariantSpec(name="B")])
        c = service.create_campaign(s, spec, NOW, by=Actor.system("test"))
        service.start_campaign(s, c.id, NOW, fast_settings(), "UTC", by=Actor.system("test"))
        a = s.scalars(select(Attempt)).one()
        a.status, a.dialed_at = "dialing", NOW
        nxt = outcomes.finish_attempt(s, a, "busy", NOW, default_tz="UTC")
        assert nxt is not None and nxt.variant == a.variant and nxt.seq == 2


def test_opt_out_reaches_every_campaign(db: Database) -> None:
    with db.session() as s:
        custs = add_customers(s, 2)
        cl = add_list(s, custs)
        ids = []
        for _ in range(3):
            c = service.create_campaign(s, make_spec([cl.id]), NOW, by=Actor.system("test"))
            service.start_campaign(s, c.id, NOW, fast_settings(), "UTC", by=Actor.system("test"))
            ids.append(c.id)
        # The customer is on a live call in the first campaign and opts out.
        live = s.scalars(
            select(Attempt).where(Attempt.campaign_id == ids[0], Attempt.customer_id == custs[0].id)
        ).one()
        live.status = "in_progress"
        assert outcomes.record_opt_out(s, custs[0].id, "call", NOW) == 2
        assert outcomes.record_opt_out(s, custs[0].id, "call", NOW) == 0  # idempotent
    with db.read() as s:
        rows = s.scalars(select(Attempt).where(Attempt.customer_id == custs[0].id)).all()
        assert sorted(a.status for a in rows) == ["cancelled", "cancelled", "in_progress"]
        assert s.scalars(select(Suppression.kind)).all() == ["opt_out"]
        others = s.scalars(select(Attempt).where(Attempt.customer_id == custs[1].id)).all()
        assert {a.status for a in others} == {"queued"}


def _live_uniqueness(db: Database) -> None:
    with db.session() as s:
        cust = add_customers(s, 1)[0]
        cl = add_list(s, [cust])
        c1 = service.create_campaign(s, make_spec([cl.id]), NOW, by=Actor.system("test"))
        c2 = service.create_campaign(s, make_spec([cl.id]), NOW, by=Actor.system("test"))
        for c in (c1, c2):
            service.start_campaign(s, c.id, NOW, fast_settings(), "UTC", by=Actor.system("test"))
        a1, a2 = s.scalars(select(Attempt).order_by(Attempt.id)).all()
        a1.status = "dialing"
        s.flush()
        a2.status = "queued"  # two queued + one live is fine
    with pytest.raises(IntegrityError), db.session() as s:
        last = s.scalars(select(Attempt).order_by(Attempt.id.desc())).first()
        assert last is not None
        last.status = "ringing"
    with pytest.raises(IntegrityError), db.session() as s:  # same number, another row
        s.add(
            Attempt(
                campaign_id=c1.id,
                customer_id=cust.id,
                phone_e164=cust.phone_e164,
                status="review",
                due_at=NOW,
            )
        )


def test_one_live_attempt_per_customer_sqlite(db: Database) -> None:
    _live_uniqueness(db)


@pytest.mark.pg
def test_one_live_attempt_per_customer_postgres(pg_db: Database) -> None:
    _live_uniqueness(pg_db)


def test_holiday_calendar_load_and_errors(db: Database) -> None:
    name, entries = parse_calendar(
        "calendar: cn\nyears:\n  2027:\n    holidays:\n      - {from: 2027-01-01, to: 2027-01-02}\n"
        "    workdays:\n      - {day: 2027-01-09}\n"
    )
    with db.session() as s:
        assert calendars.store_calendar(s, name, entries) == 3
        cal = calendars.load_calendars(s, ["cn"])["cn"]
        assert cal.is_day_off(datetime(2027, 1, 2).date())
        assert cal.is_makeup_workday(datetime(2027, 1, 9).date())
        assert cal.is_known(datetime(2027, 6, 1).date())  # the bank's year is known
        assert cal.is_day_off(datetime(2026, 10, 1).date())  # other years: the library's
    with pytest.raises(InvalidInput) as err:
        parse_calendar("calendar: cn\nyears:\n  2027:\n    holidays:\n      - {from: nope}\n")
    assert err.value.where == "calendar: years.2027.holidays[0].from"


def test_customer_without_zone_uses_number_or_default(db: Database) -> None:
    with db.session() as s:
        c = Customer(phone_e164="+12125550123", timezone=None, tags=[], attributes={})
        s.add(c)
        s.flush()
        loader = audience.FactsLoader(s, fast_settings(), "Asia/Shanghai")
        row = audience.CustomerRow(c.id, c.phone_e164, None, None)
        assert loader.zones(row).zones == ("America/New_York",)
        assert s.scalars(select(SkipRecord)).all() == []


def test_the_documented_campaign_example_is_valid() -> None:
    import re
    from pathlib import Path

    import yaml

    from dialer.campaigns.spec import CampaignSpec

    doc = Path(__file__).resolve().parents[3] / "docs" / "dialer.md"
    block = re.search(r"```yaml\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
    assert block is not None
    spec = CampaignSpec.model_validate(yaml.safe_load(block.group(1)))
    assert spec.retry.rule("powered_off").next_day and spec.window.holiday_calendar == "cn"


def test_a_running_campaign_takes_in_customers_who_joined_its_audience(db: Database) -> None:
    now = datetime(2026, 5, 6, 2, 0, tzinfo=UTC)
    with db.session() as s:
        first = add_customers(s, 2)
        for c in first:
            c.tags = ["demo"]
        add_list(s, first)
        spec = make_spec([], audience=AudienceSpec(filter=AudienceFilter(tags_all=["demo"])))
        cid = service.create_campaign(s, spec, now, by=Actor.system("test")).id
        assert (
            service.start_campaign(
                s, cid, now, fast_settings(), "Asia/Shanghai", by=Actor.system("test")
            ).queued
            == 2
        )
    with db.session() as s:
        later = add_customers(s, 3, start=10)
        for c in later[:2]:
            c.tags = ["demo"]
        add_list(s, later, name="later")
        rep = service.extend_audience(s, cid, now, fast_settings(), "Asia/Shanghai")
        assert (rep.members, rep.queued) == (2, 2)  # the two new ones, not the first two again
        assert service.extend_audience(s, cid, now, fast_settings(), "Asia/Shanghai").queued == 0
        service.cancel_campaign(s, cid, now, "over", by=Actor.system("test"))
        with pytest.raises(Conflict):
            service.extend_audience(s, cid, now, fast_settings(), "Asia/Shanghai")
