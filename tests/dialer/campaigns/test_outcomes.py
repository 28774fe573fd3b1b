"""Each machine answer is its own outcome (关机, 空号, 停机, 不在服务区, 呼叫受限, voicemail,
SIT): the heard outcome ends the attempt, its own retry rule applies, and it is a dial but
never a contact for the caps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from dialer.campaigns.audience import FactsLoader, audience_customers
from dialer.campaigns.config import DialerSettings
from dialer.campaigns.models import Attempt, Campaign
from dialer.campaigns.outcomes import apply_carrier_status, record_heard_answer
from dialer.campaigns.retries import default_rules
from dialer.campaigns.service import create_campaign, start_campaign
from kernel.actors import Actor
from kernel.db import Database
from tests.dialer.conftest import add_customers, add_list, fast_settings, make_spec

NOW = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
TZ = "Asia/Shanghai"
MACHINE = {  # outcome -> (listener kind, label)
    "powered_off": ("announcement", "关机"),
    "invalid": ("announcement", "空号"),
    "suspended": ("announcement", "停机"),
    "out_of_area": ("announcement", "不在服务区"),
    "restricted": ("announcement", "呼叫受限"),
    "voicemail": ("voicemail", "beep"),
    "sit": ("sit", "SIT"),
}


def test_every_machine_outcome_has_a_rule_of_its_own() -> None:
    rules = default_rules()
    assert set(MACHINE) <= set(rules)
    # not one shared "machine" rule: the outcomes differ in count or delay
    shapes = {o: (rules[o].max_retries, rules[o].delay_minutes, rules[o].next_day) for o in MACHINE}
    assert len(set(shapes.values())) >= 5, shapes
    assert rules["invalid"].max_retries == 0 and rules["restricted"].max_retries == 0


def _dialing(db: Database, settings: DialerSettings) -> tuple[int, int]:
    """A started one-customer campaign whose attempt the carrier is dialing as CA1:
    (attempt id, campaign id)."""
    with db.session() as s:
        cl = add_list(s, add_customers(s, 1))
        c = create_campaign(s, make_spec([cl.id]), NOW, by=Actor.system("test"))
        start_campaign(s, c.id, NOW, settings, TZ, by=Actor.system("test"))
        a = s.scalar(select(Attempt).where(Attempt.campaign_id == c.id))
        assert a is not None
        a.status, a.carrier_sid, a.dialed_at = "dialing", "CA1", NOW
        return a.id, c.id


@pytest.mark.parametrize("outcome", sorted(MACHINE))
def test_a_heard_machine_ends_with_its_outcome_rule_and_no_contact(
    db: Database, outcome: str
) -> None:
    kind, label = MACHINE[outcome]
    settings = fast_settings()
    aid, cid = _dialing(db, settings)
    end = NOW + timedelta(seconds=15)
    with db.session() as s:
        if kind == "voicemail":  # a box answers the call; an announcement is early media
            apply_carrier_status(
                s, now=NOW, settings=settings, default_tz=TZ, sid="CA1", status="in-progress"
            )
        record_heard_answer(s, aid, kind, outcome, label)
        status, code = ("completed", None) if kind == "voicemail" else ("failed", 503)
        apply_carrier_status(
            s, now=end, settings=settings, default_tz=TZ, sid="CA1", status=status, sip_code=code
        )
    rule = default_rules()[outcome]
    with db.read() as s:
        a = s.get(Attempt, aid)
        assert a is not None and a.outcome == outcome and a.answered_by != "human"
        retry = s.scalar(select(Attempt).where(Attempt.retry_of_id == aid))
        if rule.max_retries == 0:
            assert retry is None
        else:
            assert retry is not None and retry.due_at is not None
            due = retry.due_at.replace(tzinfo=UTC)
            if rule.next_day:
                assert due == datetime(2026, 3, 3, 16, 0, tzinfo=UTC)  # local midnight
            else:
                assert rule.delay_minutes is not None
                assert due == end + timedelta(minutes=rule.delay_minutes)
        c = s.get(Campaign, cid)
        assert c is not None
        facts = FactsLoader(s, settings, TZ).load(audience_customers(s, c), end)
        (history,) = [f.history for f in facts.values()]
        assert len(history.dialed) == 1 and not history.connected  # a dial, not a contact


def test_a_call_whose_answer_report_was_lost_is_recorded_answered_when_it_ends(
    db: Database,
) -> None:
    settings = fast_settings()
    aid, _ = _dialing(db, settings)
    end = NOW + timedelta(seconds=95)
    with db.session() as s:
        apply_carrier_status(
            s, now=NOW + timedelta(seconds=5), settings=settings, default_tz=TZ,
            sid="CA1", status="ringing",
        )  # fmt: skip
        apply_carrier_status(
            s, now=end, settings=settings, default_tz=TZ, sid="CA1", status="completed",
            duration_s=80,
        )  # fmt: skip
    with db.read() as s:
        a = s.get(Attempt, aid)
        assert a is not None
        assert (a.status, a.outcome, a.answered_by) == ("ended", "answered", "human")
        assert a.answered_at == end - timedelta(seconds=80)
