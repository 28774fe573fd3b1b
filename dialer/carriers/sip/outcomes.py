"""How a SIP call ended, in the dialer's outcome vocabulary (pure).

The dialer speaks of ``answered``, ``busy``, ``no_answer``, ``powered_off``, ``invalid`` and
``failed``; SIP adds ``restricted`` (403), ``rejected`` (603) and ``auth_failed`` (401/407
after our authenticated retry), which the dialer may fold into ``failed``. Whether a number is
suspended has no standard code: the carrier's announcement classifier decides that from the
early media, so no code maps to it here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    """The outcome of one call attempt."""

    ANSWERED = "answered"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    POWERED_OFF = "powered_off"
    INVALID = "invalid"
    RESTRICTED = "restricted"
    REJECTED = "rejected"
    FAILED = "failed"
    AUTH_FAILED = "auth_failed"


class CancelCause(StrEnum):
    """Why we sent CANCEL for a call that was not answered."""

    RING_TIMEOUT = "ring_timeout"
    LOCAL_HANGUP = "local_hangup"


@dataclass(frozen=True)
class CallEnd:
    """The facts about an ended call that decide its outcome.

    ``final_code`` is the final response to the INVITE (``None`` when the call ended without
    one, e.g. our CANCEL was never answered); ``local_timeout`` is True when the 408 was made
    up by our own transaction timer (Timer B: the trunk never answered).
    """

    answered: bool
    final_code: int | None = None
    final_reason: str = ""
    ringing: bool = False
    cancelled: CancelCause | None = None
    local_timeout: bool = False
    detail: str = ""


@dataclass(frozen=True)
class TrunkResult:
    """The outcome of a call, with the SIP code, a reason text and whether to retry."""

    outcome: Outcome
    code: int | None
    reason: str
    retryable: bool
    label_zh: str = ""


# code -> (outcome, retryable, description, Chinese label)
_TABLE: dict[int, tuple[Outcome, bool, str, str]] = {
    486: (Outcome.BUSY, True, "busy", "忙"),
    600: (Outcome.BUSY, True, "busy everywhere", "忙"),
    480: (Outcome.POWERED_OFF, True, "powered off or temporarily unavailable", "关机/暂时无法接通"),
    404: (Outcome.INVALID, False, "number does not exist", "空号"),
    410: (Outcome.INVALID, False, "number no longer in service", "空号"),
    484: (Outcome.INVALID, False, "incomplete number", "空号"),
    604: (Outcome.INVALID, False, "number does not exist anywhere", "空号"),
    403: (Outcome.RESTRICTED, False, "call restricted", "呼叫受限"),
    603: (Outcome.REJECTED, False, "call declined", "拒接"),
    500: (Outcome.FAILED, True, "trunk internal error", "网络忙"),
    502: (Outcome.FAILED, True, "bad gateway", "网络忙"),
    503: (Outcome.FAILED, True, "service unavailable", "网络忙"),
    504: (Outcome.FAILED, True, "gateway timeout", "网络忙"),
    401: (Outcome.AUTH_FAILED, False, "authentication rejected (check username/password)", ""),
    407: (
        Outcome.AUTH_FAILED,
        False,
        "proxy authentication rejected (check username/password)",
        "",
    ),
    488: (Outcome.FAILED, False, "no common codec", ""),
    606: (Outcome.FAILED, False, "session not acceptable", ""),
    422: (Outcome.FAILED, False, "session interval too small (check session_expires)", ""),
}


def _text(code: int | None, reason: str, description: str) -> str:
    if code is None:
        return description
    sip = f"{code} {reason}".strip()
    return f"{description} ({sip})" if description else sip


def classify(end: CallEnd) -> TrunkResult:
    """Map how a call ended to its outcome, reason text and retry flag."""
    code, reason = end.final_code, end.final_reason
    if end.answered:
        return TrunkResult(Outcome.ANSWERED, 200, end.detail or "answered", False, "接通")
    if end.cancelled is not None:
        why = (
            "no answer before the ring timeout"
            if end.cancelled is CancelCause.RING_TIMEOUT
            else "cancelled by us"
        )
        if end.cancelled is CancelCause.RING_TIMEOUT and not end.ringing:
            return TrunkResult(
                Outcome.FAILED,
                code,
                _text(code, reason, "no provisional response from the trunk"),
                True,
                "网络忙",
            )
        return TrunkResult(Outcome.NO_ANSWER, code, _text(code, reason, why), True, "无人接听")
    if code is None:
        return TrunkResult(
            Outcome.FAILED, None, end.detail or "ended without a final response", True
        )
    if code == 408:
        if end.local_timeout and not end.ringing:
            return TrunkResult(
                Outcome.FAILED, 408, "no response from the trunk (Timer B, 408)", True, "网络忙"
            )
        return TrunkResult(
            Outcome.NO_ANSWER, 408, _text(408, reason, "no answer"), True, "无人接听"
        )
    if code == 487:
        return TrunkResult(
            Outcome.NO_ANSWER, 487, _text(487, reason, "call terminated"), True, "无人接听"
        )
    if code in _TABLE:
        outcome, retryable, description, label = _TABLE[code]
        return TrunkResult(outcome, code, _text(code, reason, description), retryable, label)
    if 300 <= code < 400:
        return TrunkResult(
            Outcome.FAILED, code, _text(code, reason, "redirect not followed"), False
        )
    if 500 <= code < 600:
        return TrunkResult(Outcome.FAILED, code, _text(code, reason, "trunk error"), True, "网络忙")
    if 600 <= code < 700:
        return TrunkResult(Outcome.REJECTED, code, _text(code, reason, "global failure"), False)
    if 400 <= code < 500:
        return TrunkResult(Outcome.FAILED, code, _text(code, reason, "request failed"), False)
    return TrunkResult(
        Outcome.FAILED, code, _text(code, reason, "unexpected final response"), False
    )
