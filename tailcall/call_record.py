"""The compliance record of a conversation (``dialer.campaigns.ledger``): what the
customer was told and whether their "stop calling me" was honoured.

Disclosures are the bot's turns in states whose script declares a disclosure (caller,
automated, purpose, recording), with their audio offsets from the call's transcript
rows (seconds from the answer). Written in the finished call's transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialer.campaigns.dial_record import script_identity
from dialer.campaigns.ledger import append
from dialer.campaigns.models import Attempt, Campaign
from dialogue.speech.models import CallTranscriptRow
from kernel.errors import TailcallError
from scripts.loader import current_script


def _disclosing_states(script_id: str, language: str) -> dict[str, list[str]]:
    try:
        script = current_script(script_id, language)
    except (TailcallError, OSError):
        return {}
    out = {}
    for name, st in script.states.items():
        if st.disclosure is not None:
            flags = st.disclosure.model_dump()
            out[name] = [k for k, v in flags.items() if v]
    return out


def disclosures(session: Session, attempt_id: int, script_id: str, language: str) -> list[Any]:
    states = _disclosing_states(script_id, language)
    rows = session.scalars(
        select(CallTranscriptRow)
        .where(CallTranscriptRow.attempt_id == attempt_id, CallTranscriptRow.speaker == "bot")
        .order_by(CallTranscriptRow.seq)
    )
    return [
        {
            "state": r.state,
            "prompt_id": r.prompt_id,
            "declares": states[r.state],
            "start_s": round(r.start_s, 3),
            "end_s": round(r.end_s, 3),
        }
        for r in rows
        if r.state in states
    ]


def record_conversation(
    session: Session,
    attempt_id: int,
    *,
    at: datetime,
    disposition: str | None,
    opted_out: bool,
    cancelled: int,
    handoff_result: str | None,
    callback: dict[str, Any] | None = None,
) -> None:
    a = session.get(Attempt, attempt_id)
    assert a is not None
    c = session.get(Campaign, a.campaign_id)
    assert c is not None
    body = {
        "event": "conversation",
        "answered_by": a.answered_by,
        "script": script_identity(c.script_id, c.language) | {"variant": a.variant},
        "disclosures": disclosures(session, attempt_id, c.script_id, c.language),
        "disposition": disposition,
        "handoff_result": handoff_result,
        "callback": callback,
        "opt_out": {"said": True, "honoured": True, "suppressed": True,
                    "queued_attempts_cancelled": cancelled}
        if opted_out
        else None,
    }  # fmt: skip
    append(
        session,
        "conversation",
        at,
        body,
        attempt_id=attempt_id,
        campaign_id=a.campaign_id,
        customer_id=a.customer_id,
    )
