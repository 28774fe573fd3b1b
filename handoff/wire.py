"""What the console process and media workers say to each other (pure, no I/O).

A media worker holds a live call; the console process (``tailcall serve``) holds the
agents. They talk over PostgreSQL notifications (``kernel.notify``):

- to the console, on ``CONSOLE_CHANNEL``: ``request`` (a handoff request, with the
  worker's channel and the URL of its agent-audio link), ``agent_first``, ``score``,
  ``transcript`` and ``ended``;
- to the worker holding the call, on its own channel: ``ack``, ``take_over``, ``hold``,
  ``resume``, ``hand_back``, ``declined``, ``end``, ``say``.

The agent's audio goes over a websocket the console process opens to the worker
(``/agent-link/{call_sid}``, PCM16 8 kHz both ways), authorised by ``link_token``.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any

from dialogue.intent.scorer import HandoffRequest, Reason
from kernel.errors import InvalidInput

CONSOLE_CHANNEL = "tailcall_console"
WORKER_OPS = ("ack", "take_over", "hold", "resume", "hand_back", "declined", "end", "say")


def worker_channel(worker_id: str) -> str:
    """A worker's channel: a short, quoted-safe identifier (63 bytes at most)."""
    digest = hashlib.sha256(worker_id.encode()).hexdigest()[:24]
    return f"tailcall_media_{digest}"


def link_token(secret: str, call_sid: str) -> str:
    """Authorises the console process's audio link to one call (both share the secret)."""
    return hmac.new(secret.encode(), f"agent-link:{call_sid}".encode(), "sha256").hexdigest()


def link_token_ok(secret: str, call_sid: str, token: str) -> bool:
    return hmac.compare_digest(link_token(secret, call_sid), token)


def _dt(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def request_to_wire(req: HandoffRequest) -> dict[str, Any]:
    return {
        "call_sid": req.call_sid,
        "customer_id": req.customer_id,
        "score": req.score,
        "grade": req.grade,
        "reasons": [r.to_dict() for r in req.reasons],
        "skill": req.skill,
        "state": req.state,
        "requested_at": _dt(req.requested_at),
        "trigger": req.trigger,
        "script_reason": req.script_reason,
        "script_id": req.script_id,
        "language": req.language,
        "model_version": req.model_version,
        "callback_at": _dt(req.callback_at),
    }


def reasons_from_wire(raw: Any) -> tuple[Reason, ...]:
    if not isinstance(raw, list):
        raise InvalidInput("reasons must be a list", where="reasons")
    return tuple(
        Reason(str(r["code"]), str(r["text"]), str(r["text_en"]), float(r.get("contribution", 0)))
        for r in raw
    )


def request_from_wire(raw: dict[str, Any]) -> HandoffRequest:
    try:
        callback = raw.get("callback_at")
        return HandoffRequest(
            call_sid=str(raw["call_sid"]),
            customer_id=int(raw["customer_id"]) if raw.get("customer_id") is not None else None,
            score=float(raw["score"]),
            grade=raw["grade"],
            reasons=reasons_from_wire(raw.get("reasons", [])),
            skill=raw.get("skill"),
            state=str(raw["state"]),
            requested_at=datetime.fromisoformat(str(raw["requested_at"])),
            trigger="script" if raw.get("trigger") == "script" else "score",
            script_reason=raw.get("script_reason"),
            script_id=str(raw.get("script_id") or ""),
            language=str(raw.get("language") or ""),
            model_version=str(raw.get("model_version") or ""),
            callback_at=datetime.fromisoformat(str(callback)) if callback else None,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput("not a handoff request", where=type(exc).__name__) from exc
