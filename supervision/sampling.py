"""Which finished calls go to the review queue: pure, deterministic, no I/O.

Every flagged call is queued; of the rest a fixed share is sampled by a hash of the attempt
id and the policy's seed, so the same call is always in or out (re-running the sweep does
not draw again) and the sample is spread evenly over campaigns, agents and hours.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class SamplingPolicy:
    rate: float = 0.05  # share of unflagged calls reviewed
    every_flagged: bool = True
    seed: str = "tailcall-qa"


def sampled(attempt_id: int, policy: SamplingPolicy) -> bool:
    digest = hashlib.sha256(f"{policy.seed}:{attempt_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < policy.rate


def review_reason(attempt_id: int, flags: list[str], policy: SamplingPolicy) -> str | None:
    """Why the call goes to review ("flagged", "sampled") or None."""
    if flags and policy.every_flagged:
        return "flagged"
    if sampled(attempt_id, policy):
        return "sampled"
    return None
