"""Delivery retry decisions: classification, backoff with full jitter, Retry-After (pure).

- 2xx: delivered.
- 410 Gone: the endpoint is disabled (its deliveries wait until it is enabled again).
- 408, 425, 429, 5xx, timeouts, refused or dropped connections: transient; retried with
  exponential backoff and full jitter (``uniform(0, min(cap, base * 2**n))``), or after
  the server's Retry-After when it sends one (capped), until ``give_up_s`` has passed
  since the first attempt: then dead.
- other 3xx/4xx: permanent; retried (the CRM may be mid-deploy) up to
  ``permanent_max_tries`` attempts in all, then dead.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Literal

Verdict = Literal["ok", "transient", "permanent", "gone"]
Action = Literal["delivered", "retry", "dead", "disable"]

TRANSIENT_4XX = frozenset({408, 425, 429})


@dataclass(frozen=True)
class RetryPolicy:
    base_s: float = 10.0
    cap_s: float = 6 * 3600.0
    give_up_s: float = 3 * 86400.0
    permanent_max_tries: int = 3

    def ceiling(self, attempt_no: int) -> float:
        """The largest delay after the ``attempt_no``-th failed attempt (1-based)."""
        exp = min(attempt_no - 1, 60)
        return float(min(self.cap_s, self.base_s * (2.0**exp)))

    def delay(self, attempt_no: int, rng: random.Random) -> float:
        """Full jitter: uniform over [0, ceiling]."""
        return rng.uniform(0.0, self.ceiling(attempt_no))


@dataclass(frozen=True)
class Result:
    """What one delivery attempt produced (status code, or an error kind)."""

    status: int | None
    error: str | None = None
    retry_after: str | None = None
    duration_ms: int = 0


@dataclass(frozen=True)
class Decision:
    action: Action
    verdict: Verdict
    next_attempt_at: datetime | None = None
    reason: str | None = None


def classify(result: Result) -> Verdict:
    status = result.status
    if status is None:
        return "transient"
    if 200 <= status < 300:
        return "ok"
    if status == 410:
        return "gone"
    if status >= 500 or status in TRANSIENT_4XX:
        return "transient"
    return "permanent"


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


def decide(
    result: Result,
    *,
    attempt_no: int,
    first_attempt_at: datetime,
    now: datetime,
    policy: RetryPolicy,
    rng: random.Random,
) -> Decision:
    """What to do after attempt number ``attempt_no`` (1-based) produced ``result``."""
    verdict = classify(result)
    if verdict == "ok":
        return Decision("delivered", verdict)
    if verdict == "gone":
        return Decision("disable", verdict, now, "endpoint answered 410 Gone")
    reason = f"HTTP {result.status}" if result.status is not None else (result.error or "error")
    if verdict == "permanent" and attempt_no >= policy.permanent_max_tries:
        return Decision("dead", verdict, None, f"{reason} after {attempt_no} attempts")
    wait = parse_retry_after(result.retry_after, now)
    delay = min(wait, policy.cap_s) if wait is not None else policy.delay(attempt_no, rng)
    next_at = now + timedelta(seconds=delay)
    if (next_at - first_attempt_at).total_seconds() > policy.give_up_s:
        return Decision("dead", verdict, None, f"{reason}; gave up after {attempt_no} attempts")
    return Decision("retry", verdict, next_at, reason)
