"""What the compliance record says about a dial (``dialer.campaigns.ledger``), and about
how an attempt ended.

Written in the dial intent's transaction: the record of a dial exists exactly when the
dial intent does. The script is identified by id, language, variant, version and the
SHA-256 of its file, so what the customer heard can be shown later.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialer.campaigns.eligibility import FrequencyCaps, PackCheck
from dialer.campaigns.holidays import HolidayCalendar
from dialer.campaigns.ledger import append
from dialer.campaigns.models import Attempt, Campaign
from dialer.campaigns.stored import spec_of
from dialer.campaigns.windows import CallingWindow
from dialer.lists.models import CallList, ListMember
from kernel.errors import TailcallError
from kernel.privacy import mask_phone
from scripts.loader import find_script, load_script

NOT_RECORDED = "not recorded"


@lru_cache(maxsize=64)
def _script_identity(script_id: str, language: str, mtime_key: str) -> dict[str, Any]:
    path = find_script(script_id, language)
    data = path.read_bytes()
    version = load_script(path).metadata.version
    return {"version": version, "sha256": hashlib.sha256(data).hexdigest()}


def script_identity(script_id: str, language: str) -> dict[str, Any]:
    """The script's id, language, version and file hash (``error`` when it cannot be read)."""
    out: dict[str, Any] = {"id": script_id, "language": language}
    try:
        path = find_script(script_id, language)
        out |= _script_identity(script_id, language, f"{path}:{path.stat().st_mtime_ns}")
    except (TailcallError, OSError) as exc:
        out["error"] = type(exc).__name__
    return out


def _lists(session: Session, c: Campaign, customer_id: int) -> list[dict[str, Any]]:
    ids = spec_of(c).audience.list_ids
    q = select(CallList.id, CallList.name, CallList.lawful_basis).join(
        ListMember, ListMember.list_id == CallList.id
    )
    q = q.where(ListMember.customer_id == customer_id)
    if ids:
        q = q.where(CallList.id.in_(ids))
    return [
        {"list_id": i, "name": n, "lawful_basis": b or NOT_RECORDED}
        for i, n, b in session.execute(q.order_by(CallList.id))
    ]


def record_dial(
    session: Session,
    a: Attempt,
    c: Campaign,
    *,
    now: datetime,
    script_id: str,
    window: CallingWindow,
    calendar: HolidayCalendar,
    caps: FrequencyCaps,
    packs: PackCheck,
) -> None:
    """The dial's entry: why it was lawful and allowed, and what the customer would hear."""
    callback = a.agent_id is not None or a.callback_asked_at is not None
    body = {
        "event": "dial",
        "phone": mask_phone(a.phone_e164),
        "caller_id": c.caller_id,
        "attempt_seq": a.seq,
        "retry_of": a.retry_of_id,
        "lists": _lists(session, c, a.customer_id),
        "decision": {
            "result": "allowed",
            "kind": "customer call back" if callback else "marketing",
            "checked": ["suppressions", "live call", "caps", "rule packs", "window"]
            if not callback
            else ["suppressions", "live call", "carrier rule packs", "window"],
            "caps": None if callback else caps.model_dump(),
            "rule_packs": [f"{p.name}@{p.version}" for p in packs.packs],
            "product": packs.product,
            "channel": packs.channel,
            "window": window.model_dump(mode="json"),
            "holiday_calendar": calendar.name,
        },
        "script": script_identity(script_id, c.language) | {"variant": a.variant},
    }
    append(
        session,
        "dial",
        now,
        body,
        attempt_id=a.id,
        campaign_id=a.campaign_id,
        customer_id=a.customer_id,
    )


def record_end(session: Session, a: Attempt, now: datetime) -> None:
    """How the attempt ended: the network's and the first audio's verdicts."""
    body = {
        "event": "ended",
        "outcome": a.outcome,
        "answered_by": a.answered_by,
        "heard": {"outcome": a.heard_outcome, "label": a.heard_label}
        if a.heard_outcome or a.heard_label
        else None,
        "carrier_status": a.carrier_status,
        "duration_s": a.duration_s,
        "end_reason": a.end_reason,
        "next_retry_at": a.next_retry_at.isoformat() if a.next_retry_at else None,
    }
    append(
        session,
        "outcome",
        now,
        body,
        attempt_id=a.id,
        campaign_id=a.campaign_id,
        customer_id=a.customer_id,
    )
