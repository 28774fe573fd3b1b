"""The SIP final response -> dialer outcome table."""

from __future__ import annotations

import pytest

from dialer.carriers.sip.outcomes import CallEnd, CancelCause, Outcome, classify

TABLE = [
    # (end, outcome, retryable, code)
    (CallEnd(answered=True, final_code=200, final_reason="OK"), Outcome.ANSWERED, False, 200),
    (CallEnd(False, 486, "Busy Here", ringing=True), Outcome.BUSY, True, 486),
    (CallEnd(False, 600, "Busy Everywhere"), Outcome.BUSY, True, 600),
    (
        CallEnd(False, 487, "Request Terminated", ringing=True, cancelled=CancelCause.RING_TIMEOUT),
        Outcome.NO_ANSWER,
        True,
        487,
    ),
    (
        CallEnd(False, 487, "Request Terminated", ringing=True, cancelled=CancelCause.LOCAL_HANGUP),
        Outcome.NO_ANSWER,
        True,
        487,
    ),
    (
        CallEnd(False, None, "", ringing=True, cancelled=CancelCause.RING_TIMEOUT),
        Outcome.NO_ANSWER,
        True,
        None,
    ),
    (CallEnd(False, 408, "Request Timeout", ringing=True), Outcome.NO_ANSWER, True, 408),
    (CallEnd(False, 408, "Request Timeout", local_timeout=True), Outcome.FAILED, True, 408),
    (
        CallEnd(False, 408, "Request Timeout", cancelled=CancelCause.RING_TIMEOUT),
        Outcome.FAILED,
        True,
        408,
    ),
    (CallEnd(False, 480, "Temporarily Unavailable", ringing=True), Outcome.POWERED_OFF, True, 480),
    (CallEnd(False, 404, "Not Found"), Outcome.INVALID, False, 404),
    (CallEnd(False, 410, "Gone"), Outcome.INVALID, False, 410),
    (CallEnd(False, 484, "Address Incomplete"), Outcome.INVALID, False, 484),
    (CallEnd(False, 604, "Does Not Exist Anywhere"), Outcome.INVALID, False, 604),
    (CallEnd(False, 403, "Forbidden"), Outcome.RESTRICTED, False, 403),
    (CallEnd(False, 603, "Decline"), Outcome.REJECTED, False, 603),
    (CallEnd(False, 500, "Server Internal Error"), Outcome.FAILED, True, 500),
    (CallEnd(False, 502, "Bad Gateway"), Outcome.FAILED, True, 502),
    (CallEnd(False, 503, "Service Unavailable"), Outcome.FAILED, True, 503),
    (CallEnd(False, 504, "Server Time-out"), Outcome.FAILED, True, 504),
    (CallEnd(False, 401, "Unauthorized"), Outcome.AUTH_FAILED, False, 401),
    (CallEnd(False, 407, "Proxy Authentication Required"), Outcome.AUTH_FAILED, False, 407),
    (CallEnd(False, 488, "Not Acceptable Here"), Outcome.FAILED, False, 488),
    (CallEnd(False, 302, "Moved Temporarily"), Outcome.FAILED, False, 302),
    (CallEnd(False, 599, "Odd"), Outcome.FAILED, True, 599),
    (CallEnd(False, 699, "Odd"), Outcome.REJECTED, False, 699),
    (CallEnd(False, 499, "Odd"), Outcome.FAILED, False, 499),
    (CallEnd(False, None, "", detail="SDP error: no common codec"), Outcome.FAILED, True, None),
]


@pytest.mark.parametrize(("end", "outcome", "retryable", "code"), TABLE)
def test_table(end: CallEnd, outcome: Outcome, retryable: bool, code: int | None) -> None:
    result = classify(end)
    assert (result.outcome, result.retryable, result.code) == (outcome, retryable, code)
    assert result.reason
    if code is not None and code != 200:
        assert str(code) in result.reason


def test_reason_texts_name_the_code_and_the_label() -> None:
    r = classify(CallEnd(False, 480, "Temporarily Unavailable"))
    assert r.reason == "powered off or temporarily unavailable (480 Temporarily Unavailable)"
    assert r.label_zh == "关机/暂时无法接通"
    assert classify(CallEnd(False, 404, "Not Found")).label_zh == "空号"
    assert classify(CallEnd(False, 403, "Forbidden")).label_zh == "呼叫受限"
    timer_b = classify(CallEnd(False, 408, "Request Timeout", local_timeout=True))
    assert "Timer B" in timer_b.reason
