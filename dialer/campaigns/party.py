"""The attempt a call belongs to and the customer it reached: what a conversation needs.

Read by whatever runs a call for the dialer (the live-call assembly, the simulator's text
mode) and by the finished-call record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from dialer.campaigns.models import Attempt, Campaign
from dialer.lists.models import Customer
from kernel.errors import NotFound


@dataclass(frozen=True)
class CallParty:
    """The attempt a call belongs to and the customer it reached."""

    attempt_id: int
    campaign_id: int
    customer_id: int
    external_id: str | None
    phone_e164: str
    script_id: str
    variant: str | None  # the script variant the attempt was given (A/B racing)
    branch: str | None
    customer: Mapping[str, Any]  # the script's variables (name, points, ...) and profile


def call_party(session: Session, attempt_id: int) -> CallParty:
    a = session.get(Attempt, attempt_id)
    if a is None:
        raise NotFound(f"attempt {attempt_id} does not exist", where="attempt_id")
    c = session.get(Campaign, a.campaign_id)
    cust = session.get(Customer, a.customer_id)
    if c is None or cust is None:
        raise NotFound(f"attempt {attempt_id} lost its campaign or customer", where="attempt_id")
    customer: dict[str, Any] = dict(cust.attributes or {})
    customer.update(
        name=cust.name,
        points=cust.points,
        star_level=cust.star_level,
        aum_band=cust.aum_band,
        branch=cust.branch,
        tags=list(cust.tags or []),
        attributes=dict(cust.attributes or {}),
    )
    return CallParty(
        attempt_id=a.id,
        campaign_id=c.id,
        customer_id=cust.id,
        external_id=cust.external_id,
        phone_e164=a.phone_e164,
        script_id=c.script_id,
        variant=a.variant,
        branch=cust.branch,
        customer=customer,
    )
