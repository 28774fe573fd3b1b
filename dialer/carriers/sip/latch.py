"""Where to send RTP and which sources to accept: symmetric RTP with latching (pure).

Before any packet, we send to the address in the far end's SDP. The first valid packet's
source is latched (NAT: the far end's real address) and we send there from then on. After
that only the SDP address and the latched one are accepted; a new SDP starts over.
"""

from __future__ import annotations

Addr = tuple[str, int]


class RtpLatch:
    def __init__(self) -> None:
        self.sdp: Addr | None = None
        self.latched: Addr | None = None
        self.rejected = 0

    def set_sdp(self, addr: Addr) -> None:
        """The far end's SDP named ``addr``; a changed address drops the old latch."""
        if addr != self.sdp:
            self.sdp = addr
            self.latched = None

    def accept(self, source: Addr) -> bool:
        """Whether a valid RTP packet from ``source`` is ours (latching the first one)."""
        if self.sdp is None:
            self.rejected += 1
            return False
        if self.latched is None:
            self.latched = source
            return True
        if source == self.latched or source == self.sdp:
            return True
        self.rejected += 1
        return False

    @property
    def target(self) -> Addr | None:
        """Where to send RTP now."""
        return self.latched or self.sdp
