"""Session-Expires decisions (RFC 4028)."""

from __future__ import annotations

from dialer.carriers.sip.session_timer import SessionTimer, answer_refresh, parse_session_expires


def test_2xx_decides_who_refreshes() -> None:
    assert parse_session_expires(None) is None
    assert parse_session_expires("1800;refresher=uac") == SessionTimer(1800, True)
    assert parse_session_expires("1800") == SessionTimer(1800, True)
    assert parse_session_expires("90; refresher=UAS") == SessionTimer(90, False)
    assert parse_session_expires("abc") is None
    assert parse_session_expires("1800", ours=False) is None
    t = SessionTimer(90, True)
    assert (t.refresh_after, t.expire_after) == (45.0, 60.0)
    assert SessionTimer(1800, False).expire_after == 1768.0


def test_refresh_from_the_far_end() -> None:
    assert answer_refresh("90;refresher=uac") == SessionTimer(90, False)
    assert answer_refresh("90") == SessionTimer(90, False)
    assert answer_refresh("90;refresher=uas") == SessionTimer(90, True)
    assert answer_refresh(None) is None
