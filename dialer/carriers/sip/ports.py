"""RTP port pairs from the trunk's range: bound here, handed out round-robin."""

from __future__ import annotations

import errno
import socket


class NoRtpPort(RuntimeError):
    """Every even port of the RTP range is in use."""


class PortPool:
    """Even RTP ports (RTP on N, RTCP on N+1) in ``low..high``.

    The sockets are bound here and handed over bound, so no other process can take a port
    between the check and the use. Ports are reused round-robin, so a stray packet of an
    ended call does not land in the next one straight away.
    """

    def __init__(self, host: str, low: int, high: int) -> None:
        self.host = host
        first = low + (low % 2)
        self._ports = list(range(first, high, 2))
        if not self._ports:
            raise ValueError(f"no even RTP port pair in {low}..{high}")
        self._next = 0
        self._used: set[int] = set()

    @property
    def in_use(self) -> frozenset[int]:
        return frozenset(self._used)

    def bind(self) -> tuple[int, socket.socket, socket.socket]:
        """A free port with its bound, non-blocking RTP and RTCP sockets."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        for _ in range(len(self._ports)):
            port = self._ports[self._next]
            self._next = (self._next + 1) % len(self._ports)
            if port in self._used:
                continue
            rtp = socket.socket(family, socket.SOCK_DGRAM)
            rtcp = socket.socket(family, socket.SOCK_DGRAM)
            try:
                rtp.bind((self.host, port))
                rtcp.bind((self.host, port + 1))
            except OSError as exc:
                rtp.close()
                rtcp.close()
                if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                    continue
                raise
            rtp.setblocking(False)
            rtcp.setblocking(False)
            self._used.add(port)
            return port, rtp, rtcp
        raise NoRtpPort(
            f"no free RTP port pair in {self._ports[0]}..{self._ports[-1] + 1} on {self.host} "
            f"({len(self._used)} in use by this trunk)"
        )

    def release(self, port: int) -> None:
        self._used.discard(port)
