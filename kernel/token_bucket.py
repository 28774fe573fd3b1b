"""A token bucket (pure): ``rate`` tokens a second, at most ``burst`` saved up.

The dial loop takes whole tokens for the calls it may place now (``take``); the SIP trunk
reserves one per INVITE and waits the time it returns (``reserve``, which may go into debt
so that concurrent callers are spaced ``1/rate`` apart). Times are seconds on one
monotonic clock; the bucket starts full at the first time it is given.
"""

from __future__ import annotations


class TokenBucket:
    def __init__(self, rate: float, burst: float | None = None, now: float | None = None) -> None:
        if rate <= 0:
            raise ValueError("rate must be > 0")
        self.rate = rate
        self.burst = max(1.0, burst if burst is not None else rate)
        self.tokens = self.burst
        self.last = now

    def _refill(self, now: float) -> None:
        if self.last is None:
            self.last = now
        elif now > self.last:
            self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
            self.last = now

    def available(self, now: float) -> int:
        """Whole tokens there now."""
        self._refill(now)
        return int(self.tokens + 1e-9)

    def take(self, n: int, now: float) -> int:
        """Take up to ``n`` whole tokens; returns how many were granted."""
        self._refill(now)
        granted = max(0, min(n, int(self.tokens + 1e-9)))
        self.tokens -= granted
        return granted

    def reserve(self, now: float) -> float:
        """Take one token, into debt if need be; the seconds to wait before using it."""
        self._refill(now)
        self.tokens -= 1.0
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def give_back(self, n: int = 1) -> None:
        """Return tokens taken or reserved and not used."""
        self.tokens = min(self.burst, self.tokens + n)
