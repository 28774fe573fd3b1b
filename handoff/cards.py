"""What an agent sees of a call: the customer card and the offer card (the supervisors'
live floor is ``handoff.floor``).

Pure views over rows the caller reads; the numbers are masked (``kernel.privacy``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from dialer.lists.models import Customer
from dialogue.intent.scorer import HandoffRequest, Reason
from handoff.live import LiveCallRegistry
from kernel.db import Database
from kernel.privacy import mask_phone


def customer_card(db: Database, customer_id: int | None) -> dict[str, Any]:
    """Name, masked number, segment and star level for the alert card."""
    if customer_id is None:
        return {}
    with db.read() as s:
        c = s.get(Customer, customer_id)
    if c is None:
        return {"id": customer_id}
    attrs = c.attributes or {}
    return {
        "id": c.id,
        "name": c.name or "",
        "phone": mask_phone(c.phone_e164),
        "segment": str(attrs.get("segment") or c.aum_band or ""),
        "star_level": c.star_level,
    }


def offer_card(
    db: Database,
    registry: LiveCallRegistry,
    request_id: int,
    req: HandoffRequest,
    deadline: datetime | None,
) -> dict[str, Any]:
    """An offer or a taken call as the agent's console shows it."""
    live = registry.get(req.call_sid)
    return {
        "request_id": request_id,
        "call_sid": req.call_sid,
        "customer": customer_card(db, req.customer_id),
        "score": round(req.score, 3),
        "grade": req.grade,
        "reasons": [r.to_dict() for r in req.reasons],
        "skill": req.skill,
        "state": req.state,
        "requested_at": req.requested_at.isoformat(),
        "deadline": deadline.isoformat() if deadline else None,
        "transcript": list(live.transcript[-30:]) if live else [],
    }


def score_event(
    call_sid: str, request_id: int, score: float, grade: str, reasons: Sequence[Reason]
) -> dict[str, Any]:
    """The scorer's later view of a call, for the agent holding its offer or the call."""
    return {
        "call_sid": call_sid,
        "request_id": request_id,
        "score": round(score, 3),
        "grade": grade,
        "reasons": [r.to_dict() for r in reasons],
    }
