"""Dialer test helpers: customers, lists and campaign specs with an always-open window."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import time
from typing import Any

from sqlalchemy.orm import Session

import dialer.campaigns.models  # noqa: F401  (tables, until listed in MODEL_MODULES)
from dialer.campaigns.config import DialerSettings
from dialer.campaigns.pacing import PacingConfig
from dialer.campaigns.policy import CompliancePolicy
from dialer.campaigns.spec import AudienceSpec, CampaignSpec
from dialer.campaigns.windows import CallingWindow
from dialer.lists.models import CallList, Customer, ListMember

ALWAYS = CallingWindow(
    weekdays=list(range(7)), hours=[(time(0, 0), time(23, 59, 59))], holiday_calendar=None
)


def add_customers(
    s: Session, n: int, *, start: int = 0, tz: str | None = "Asia/Shanghai", **attrs: Any
) -> list[Customer]:
    out = []
    for i in range(start, start + n):
        c = Customer(
            phone_e164=f"+86138{i:08d}",
            external_id=f"C{i:06d}",
            timezone=tz,
            tags=[],
            attributes={},
            **attrs,
        )
        s.add(c)
        out.append(c)
    s.flush()
    return out


def add_list(s: Session, customers: Sequence[Customer], name: str = "list") -> CallList:
    cl = CallList(
        name=name,
        filename=f"{name}.csv",
        sha256=uuid.uuid4().hex * 2,
        encoding="utf-8",
        region="CN",
        report_dir="/tmp",
    )
    s.add(cl)
    s.flush()
    for i, c in enumerate(customers):
        s.add(ListMember(list_id=cl.id, customer_id=c.id, line_no=i + 2))
    s.flush()
    return cl


def make_spec(list_ids: Sequence[int], **kw: Any) -> CampaignSpec:
    base: dict[str, Any] = {
        "name": f"camp-{uuid.uuid4().hex[:6]}",
        "script_id": "wealth_intro",
        "caller_id": "+861095555",
        "window": ALWAYS,
        "pacing": PacingConfig(max_concurrent=100, calls_per_second=100),
        # tests dial at any hour and redial fast: the packs have tests of their own
        "compliance": CompliancePolicy(rule_packs=[]),
    }
    base.update(kw)
    if "audience" not in base:
        base["audience"] = AudienceSpec(list_ids=list(list_ids))
    return CampaignSpec(**base)


def fast_settings(**kw: Any) -> DialerSettings:
    base: dict[str, Any] = {
        "max_attempts_per_day": 10,
        "max_connected": 1,
        "lines": 100,
        "calls_per_second": 1000,
    }
    base.update(kw)
    return DialerSettings(**base)
