"""Login throttling (pure): when a login may be tried, per user and per address.

Every try counts as a failure until its password proves right, so guesses sent at once
from many threads are counted before any is verified. A key (``user:NAME`` or
``addr:IP``) may fail ``free`` times; after that each try must wait ``base_s`` doubled
for every further failure, up to ``cap_s``, after the last one. A user that reaches
``lock_after`` failures is locked until an admin lifts it (``tailcall users unlock``);
an address is never locked (many agents may share one), only slowed down.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ThrottlePolicy:
    free: int = 5
    base_s: float = 2.0
    cap_s: float = 900.0
    lock_after: int | None = None  # failures that lock the key; None: never

    def wait_s(self, failures: int) -> float:
        """How long after the last failure the next try must wait."""
        if failures < self.free:
            return 0.0
        return float(min(self.cap_s, self.base_s * 2 ** min(failures - self.free, 30)))


USER_POLICY = ThrottlePolicy(free=5, base_s=2.0, cap_s=900.0, lock_after=10)
ADDRESS_POLICY = ThrottlePolicy(free=20, base_s=1.0, cap_s=300.0)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_at: datetime | None = None  # when a throttled key may try again
    locked: bool = False  # needs an admin


def judge(
    policy: ThrottlePolicy, failures: int, last_failure: datetime | None, now: datetime
) -> Verdict:
    """May a key with ``failures`` (the last at ``last_failure``) try now?"""
    if policy.lock_after is not None and failures >= policy.lock_after:
        return Verdict(False, locked=True)
    wait = policy.wait_s(failures)
    if wait and last_failure is not None:
        retry_at = last_failure + timedelta(seconds=wait)
        if now < retry_at:
            return Verdict(False, retry_at=retry_at)
    return Verdict(True)
