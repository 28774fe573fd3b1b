"""The RTP port pool and freeing ports when the media closes."""

from __future__ import annotations

import socket

import pytest

from dialer.carriers.sip.ports import NoRtpPort, PortPool
from dialer.carriers.sip.rtp import RtpMedia
from tests.dialer.carriers.sip.test_rtp import free_range


async def test_close_frees_ports_and_pool_exhaustion() -> None:
    low, _ = free_range()
    pool = PortPool("127.0.0.1", low, low + 3)
    port, rtp, rtcp = pool.bind()
    m = await RtpMedia(rtp, rtcp, on_closed=pool.release).open()
    port2, rtp2, rtcp2 = pool.bind()
    with pytest.raises(NoRtpPort, match="no free RTP port pair"):
        pool.bind()
    await m.close()
    await m.close()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))  # freed at once, no EADDRINUSE
    s.close()
    rtp2.close()
    rtcp2.close()
    pool.release(port2)
    assert pool.in_use == frozenset()
