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
from handoff.resume import resume_choices
from kernel.db import Database
from kernel.errors import TailcallError
from kernel.privacy import mask_phone
from scripts.loader import current_script
from scripts.schema import Script


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
        "resume": _resume(req),
    }


def request_script(req: HandoffRequest) -> Script | None:
    """The script the call speaks (None for a call with no script, an agent's call back)."""
    if not (req.script_id and req.language):
        return None
    try:
        return current_script(req.script_id, req.language)
    except TailcallError:
        return None


def _resume(req: HandoffRequest) -> list[dict[str, object]]:
    """Where the agent may hand the call back to (empty: the bot only closes the call)."""
    script = request_script(req)
    if script is None:
        return []
    return [c.to_dict() for c in resume_choices(script, req.state)]


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
