"""Frequency rules as data packs: the carrier's pack and the bank's marketing caps; every
skip names the rule (pack:rule@version) and when the dial is allowed again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from dialer.campaigns.audience import CustomerRow, FactsLoader
from dialer.campaigns.eligibility import ContactHistory, CustomerFacts, FrequencyCaps, decide
from dialer.campaigns.holidays import EMPTY
from dialer.campaigns.models import Attempt
from dialer.campaigns.packfiles import load_packs, pack_check
from dialer.campaigns.policy import CompliancePolicy
from dialer.campaigns.rulepacks import PastDial, check, parse_pack
from dialer.campaigns.service import create_campaign
from dialer.campaigns.windows import ZoneSpec
from kernel.actors import Actor
from kernel.db import Database
from kernel.errors import InvalidInput
from tests.dialer.conftest import ALWAYS, add_customers, add_list, fast_settings, make_spec

SH = ZoneSpec(("Asia/Shanghai",))
NOON = datetime(2026, 3, 3, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
CARRIER = load_packs(["carrier-cn"])


def test_the_carrier_pack_counts_dials_to_a_number_across_caller_numbers() -> None:
    three = [PastDial(NOON - timedelta(minutes=m)) for m in (4, 2, 1)]
    b = check(CARRIER, three, NOON, SH)
    assert b is not None and b.rule == "carrier-cn:3-in-5m@2026.1"
    assert b.retry_at == NOON + timedelta(minutes=1)  # the oldest of the three ages out
    five = [PastDial(NOON - timedelta(hours=h)) for h in (20, 15, 10, 5, 1)]
    b = check(CARRIER, five, NOON, SH)
    assert b is not None and b.rule == "carrier-cn:5-in-24h@2026.1"
    assert b.retry_at == NOON + timedelta(hours=4)
    assert check(CARRIER, five[1:], NOON, SH) is None


def test_the_carrier_hours_are_local_time() -> None:
    late = datetime(2026, 3, 3, 13, 30, tzinfo=UTC)  # 21:30 in Shanghai
    b = check(CARRIER, [], late, SH)
    assert b is not None and b.rule == "carrier-cn:hours-08-21@2026.1"
    assert b.retry_at == datetime(2026, 3, 4, 0, 0, tzinfo=UTC)  # 08:00 next morning


def test_marketing_caps_apply_per_product_and_channel() -> None:
    bank = load_packs(["bank-marketing"])
    contact = PastDial(
        NOON - timedelta(days=3), product="wealth", channel="voice_bot", contact=True
    )
    b = check(bank, [contact], NOON, SH, product="wealth", channel="voice_bot")
    assert b is not None and b.rule == "bank-marketing:voice-contact-7d@2026.1"
    # an SMS campaign of the same product is not limited by the voice rules
    assert check(bank, [contact], NOON, SH, product="wealth", channel="sms") is None


def test_decide_names_the_rule_and_a_bad_pack_names_its_field(tmp_path: Path) -> None:
    facts = CustomerFacts(1, SH, history=ContactHistory(dials=[PastDial(NOON)] * 3))
    from dialer.campaigns.eligibility import PackCheck

    d = decide(facts, ALWAYS, EMPTY, FrequencyCaps(max_attempts_per_day=9), NOON + timedelta(seconds=5),
               packs=PackCheck(tuple(CARRIER)))  # fmt: skip
    assert (d.ok, d.reason, d.final) == (False, "carrier-cn:3-in-5m@2026.1", False)
    with pytest.raises(InvalidInput) as err:
        parse_pack(
            "name: x\nversion: '1'\nrules:\n  - {id: a, kind: max_dials, max: 1}\n", "x.yaml"
        )
    assert err.value.where is not None and err.value.where.startswith("x.yaml: rules.0")
    (tmp_path / "carrier-cn.yaml").write_text(
        "name: carrier-cn\nversion: '2027.1'\nrules:\n  - {id: 1-in-1h, kind: max_dials, max: 1, period: 1h}\n"
    )
    assert load_packs(["carrier-cn"], tmp_path)[0].version == "2027.1"  # the bank's wins


def test_past_dials_of_other_campaigns_count(db: Database) -> None:
    with db.session() as s:
        cust = add_customers(s, 1)[0]
        cl = add_list(s, [cust])
        other = create_campaign(s, make_spec([cl.id]), NOON, by=Actor.system("test"))
        for m in (3, 2, 1):  # three dials by another campaign (another caller number)
            s.add(Attempt(campaign_id=other.id, customer_id=cust.id, phone_e164=cust.phone_e164,
                          status="ended", outcome="no_answer", due_at=NOON,
                          dialed_at=NOON - timedelta(minutes=m)))  # fmt: skip
        s.flush()
        mine = create_campaign(
            s,
            make_spec([cl.id], compliance=CompliancePolicy(rule_packs=["carrier-cn"])),
            NOON,
            by=Actor.system("test"),
        )
        row = CustomerRow(cust.id, cust.phone_e164, None, "Asia/Shanghai")
        facts = FactsLoader(s, fast_settings(), "Asia/Shanghai").load([row], NOON)[cust.id]
        d = decide(facts, ALWAYS, EMPTY, fast_settings().caps(), NOON,
                   packs=pack_check(mine, None))  # fmt: skip
        assert d.reason == "carrier-cn:3-in-5m@2026.1"
        assert s.scalar(select(Attempt).where(Attempt.campaign_id == mine.id)) is None
