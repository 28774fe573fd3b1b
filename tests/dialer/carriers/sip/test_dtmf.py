"""RFC 4733 digit detection and the send plan."""

from __future__ import annotations

import pytest

from dialer.carriers.sip.dtmf import DtmfDetector, event_payload, parse_event, plan_digit


def test_once_per_event_at_the_end_bit() -> None:
    d = DtmfDetector()
    assert d.packet(1000, event_payload(5, end=False, duration=160)) == []
    assert d.packet(1000, event_payload(5, end=False, duration=320)) == []
    assert d.packet(1000, event_payload(5, end=True, duration=800)) == ["5"]
    assert d.packet(1000, event_payload(5, end=True, duration=800)) == []
    assert d.packet(1000, event_payload(5, end=True, duration=800)) == []
    assert d.audio() == []
    assert d.packet(3000, event_payload(11, end=True, duration=800)) == ["#"]


def test_lost_end_packets_report_on_next_event_or_audio() -> None:
    d = DtmfDetector()
    d.packet(1000, event_payload(1, end=False, duration=160))
    assert d.packet(2000, event_payload(2, end=False, duration=160)) == ["1"]
    assert d.audio() == ["2"]
    assert d.audio() == []


def test_same_digit_twice_is_two_events() -> None:
    d = DtmfDetector()
    assert d.packet(1000, event_payload(7, end=True, duration=800)) == ["7"]
    assert d.packet(2600, event_payload(7, end=True, duration=800)) == ["7"]


def test_plan() -> None:
    ticks = plan_digit("9", duration_ms=100)
    parsed = [parse_event(t.payloads[0]) for t in ticks]
    assert [p[3] for p in parsed] == [160, 320, 480, 640, 800, 800, 800]
    assert [p[1] for p in parsed] == [False] * 4 + [True] * 3
    assert all(p[0] == 9 for p in parsed)
    assert [t.marker for t in ticks] == [True] + [False] * 6
    assert plan_digit("a")[0].payloads[0][0] == 12


def test_bad_digit_and_payload() -> None:
    with pytest.raises(ValueError, match="not a DTMF digit"):
        plan_digit("x")
    with pytest.raises(ValueError, match="needs 4"):
        parse_event(b"\x01")
