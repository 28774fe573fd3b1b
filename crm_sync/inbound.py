"""Inbound events from the CRM: do-not-call additions and lead status updates.

The HTTP layer (``crm_sync.api``) verifies the signature on the raw body; this module
parses the verified body and applies it, recording the webhook-id in the same
transaction, so each id is processed once however often the CRM resends it.

Bodies (Standard Webhooks shape)::

    {"type": "dnc.added", "data": {"entries": [{"phone_e164": "+86...", "reason": "..."}]}}
    {"type": "lead.status", "data": {"lead_id": 12, "status": "won"}}

``lead.status`` accepts accepted, worked, won, lost; won/lost become scorer labels.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.orm import Session

from crm_sync.models import InboundEvent
from crm_sync.service import apply_lead_status
from dialer.lists.suppression import SuppressionEntry, add_suppressions
from kernel.bounds import RowId
from kernel.errors import InvalidInput

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
SOURCE = "crm-webhook"


class DncEntry(BaseModel):
    model_config = ConfigDict(extra="ignore")

    phone_e164: str | None = None
    external_id: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, max_length=200)

    @field_validator("phone_e164")
    @classmethod
    def _e164(cls, v: str | None) -> str | None:
        if v is not None and not E164.match(v):
            raise ValueError("not an E.164 phone number")  # the value itself is not echoed
        return v


class DncData(BaseModel):
    entries: list[DncEntry] = Field(min_length=1, max_length=10_000)


class LeadStatusData(BaseModel):
    lead_id: RowId
    status: Literal["accepted", "worked", "won", "lost"]


class InboundBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: Literal["dnc.added", "lead.status"]
    data: dict[str, Any]


def parse(body: bytes) -> tuple[str, DncData | LeadStatusData]:
    """Parse a verified body; errors name the field, never echo values."""
    try:
        raw = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput("body is not JSON", where="body") from exc
    except RecursionError as exc:
        raise InvalidInput("body is nested too deep", where="body") from exc
    try:
        env = InboundBody.model_validate(raw)
        data: DncData | LeadStatusData
        if env.type == "dnc.added":
            data = DncData.model_validate(env.data)
        else:
            data = LeadStatusData.model_validate(env.data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "body"
        prefix = "" if where in ("type", "data") else "data."
        raise InvalidInput(err["msg"], where=prefix + where) from exc
    return env.type, data


def handle(session: Session, webhook_id: str, body: bytes, *, now: datetime) -> dict[str, Any]:
    """Apply one verified inbound event once; a repeated webhook-id changes nothing."""
    seen = session.get(InboundEvent, webhook_id)
    if seen is not None:
        return {"duplicate": True, **seen.result}
    event_type, data = parse(body)
    result: dict[str, Any]
    if isinstance(data, DncData):
        for i, e in enumerate(data.entries):
            if not e.phone_e164 and not e.external_id:
                raise InvalidInput(
                    "entry needs phone_e164 or external_id", where=f"data.entries.{i}"
                )
        entries = [SuppressionEntry(e.phone_e164, e.external_id, e.reason) for e in data.entries]
        added = add_suppressions(session, "dnc", entries, SOURCE)
        result = {"added": added}
    else:
        changed = apply_lead_status(session, data.lead_id, data.status, source=SOURCE, now=now)
        result = {"changed": changed}
    session.add(
        InboundEvent(webhook_id=webhook_id, event_type=event_type, received_at=now, result=result)
    )
    session.flush()
    return {"duplicate": False, **result}
