"""SDP offer rendering and answer parsing."""

from __future__ import annotations

import pytest

from dialer.carriers.sip.sdp import SdpError, SdpOffer, parse_answer

OFFER = SdpOffer(address="192.0.2.10", port=20000)


def sdp(*lines: str) -> str:
    return "\r\n".join(lines) + "\r\n"


def test_offer_text() -> None:
    text = OFFER.render()
    assert "m=audio 20000 RTP/AVP 8 0 101\r\n" in text
    assert "c=IN IP4 192.0.2.10\r\n" in text
    for line in (
        "a=rtpmap:8 PCMA/8000",
        "a=rtpmap:0 PCMU/8000",
        "a=rtpmap:101 telephone-event/8000",
        "a=fmtp:101 0-16",
        "a=ptime:20",
        "a=sendrecv",
    ):
        assert line + "\r\n" in text
    assert text.startswith("v=0\r\no=tailcall ")
    assert "IN IP6 2001:db8::1" in SdpOffer(address="2001:db8::1", port=1).render()


def test_our_offer_parses_as_an_answer() -> None:
    a = parse_answer(OFFER.render(), OFFER)
    assert (a.codec, a.payload_type, a.rtp_addr, a.dtmf_pt, a.ptime, a.direction) == (
        "PCMA",
        8,
        ("192.0.2.10", 20000),
        101,
        20,
        "sendrecv",
    )


def test_answer_order_wins_and_media_c_overrides_session_c() -> None:
    text = sdp(
        "v=0",
        "o=- 1 1 IN IP4 10.0.0.1",
        "s=-",
        "c=IN IP4 10.0.0.1",
        "t=0 0",
        "m=audio 30000 RTP/AVP 0 8 96",
        "c=IN IP4 10.0.0.2",
        "a=rtpmap:96 TELEPHONE-EVENT/8000",
        "a=ptime:30",
        "a=sendonly",
    )
    a = parse_answer(text, OFFER)
    assert (a.codec, a.payload_type, a.address, a.port, a.dtmf_pt, a.ptime, a.direction) == (
        "PCMU",
        0,
        "10.0.0.2",
        30000,
        96,
        30,
        "sendonly",
    )
    assert a.far_end_sends and not a.on_hold


def test_static_types_without_rtpmap_and_lf_line_ends() -> None:
    a = parse_answer("v=0\nc=IN IP4 10.1.1.1\nm=audio 4000 RTP/AVP 8\n", OFFER)
    assert (a.codec, a.dtmf_pt, a.ptime) == ("PCMA", None, 20)


def test_skips_rejected_streams_and_video() -> None:
    text = sdp(
        "v=0",
        "c=IN IP4 10.1.1.1",
        "m=video 5000 RTP/AVP 96",
        "m=audio 0 RTP/AVP 8",
        "m=audio 6000 RTP/AVP 8",
    )
    assert parse_answer(text, OFFER).port == 6000


def test_hold() -> None:
    a = parse_answer(sdp("v=0", "c=IN IP4 0.0.0.0", "m=audio 6000 RTP/AVP 8", "a=inactive"), OFFER)
    assert a.on_hold and not a.far_end_sends


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty SDP"),
        (
            sdp("v=0", "c=IN IP4 10.1.1.1", "m=audio 6000 RTP/AVP 18", "a=rtpmap:18 G729/8000"),
            "no common codec",
        ),
        (
            sdp("v=0", "c=IN IP4 10.1.1.1", "m=audio 6000 RTP/AVP 96", "a=rtpmap:96 PCMA/16000"),
            "no common codec",
        ),
        (sdp("v=0", "c=IN IP4 10.1.1.1"), "no m=audio"),
        (sdp("v=0", "c=IN IP4 10.1.1.1", "m=audio 0 RTP/AVP 8"), "port 0"),
        (sdp("v=0", "m=audio 6000 RTP/AVP 8"), "no c= connection"),
        (sdp("v=0", "c=IN IP4 host.example", "m=audio 6000 RTP/AVP 8"), "not an IP address"),
        (sdp("v=0", "c=IN", "m=audio 6000 RTP/AVP 8"), "bad c= line"),
        (sdp("v=0", "c=IN IP4 10.1.1.1", "m=audio x RTP/AVP 8"), "bad m= line"),
        (sdp("v=0", "c=IN IP4 10.1.1.1", "m=audio 6000 RTP/SAVP 8"), "SRTP"),
        (sdp("v=0", "c=IN IP4 10.1.1.1", "m=audio 6000 RTP/AVP abc"), "bad payload type"),
        (sdp("v=0", "c=IN IP4 10.1.1.1", "m=audio 6000 RTP/AVP 8", "a=ptime:x"), "a=ptime"),
        (sdp("v=0", "c=IN IP4 10.1.1.1", "m=audio 6000 RTP/AVP 8", "a=rtpmap:x"), "a=rtpmap"),
        ("garbage\r\n", "line 1"),
    ],
)
def test_errors_say_what_is_wrong(text: str, words: str) -> None:
    with pytest.raises(SdpError, match=words):
        parse_answer(text, OFFER)
