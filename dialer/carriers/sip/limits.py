"""Call admission: a calls-per-second token bucket (pure)."""

from __future__ import annotations


class TokenBucket:
    """``rate`` tokens a second, at most ``burst`` saved up; reservations may go into debt.

    ``reserve(now)`` takes one token and returns how long the caller must wait before using
    it (0 when a token was there), so concurrent callers are spaced ``1/rate`` apart.
    """

    def __init__(self, rate: float, burst: float = 1.0) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._tokens = burst
        self._at: float | None = None

    def reserve(self, now: float) -> float:
        if self._at is None:
            self._at = now
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        self._tokens -= 1.0
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def refund(self) -> None:
        """Give back a reservation that was not used."""
        self._tokens = min(self.burst, self._tokens + 1.0)
