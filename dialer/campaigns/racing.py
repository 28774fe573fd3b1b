"""Script racing (赛马): which variant of a campaign's script does better. Pure statistics.

For each variant and rate (conversion to A/B, handoff acceptance, opt-out, completion)
the observed proportion with its Wilson score interval; between the leader and the
runner-up a two-sided two-proportion z-test (pooled), and when it is not yet significant,
how many more calls would make a difference of the size seen (or of ``MIN_EFFECT`` if
none is seen) significant at ``ALPHA`` with ``POWER``. No I/O: the counts come in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

ALPHA = 0.05
POWER = 0.8
MIN_CALLS = 30  # per variant, before any verdict
MIN_EFFECT = 0.05  # the smallest difference worth finding, when the leaders are level
_N = NormalDist()


@dataclass(frozen=True)
class Rate:
    successes: int
    trials: int
    low: float | None  # Wilson 95 % interval
    high: float | None

    @property
    def value(self) -> float | None:
        return self.successes / self.trials if self.trials else None


def wilson(successes: int, trials: int, confidence: float = 0.95) -> Rate:
    """The proportion with its Wilson score interval (no interval with no trials)."""
    if trials <= 0:
        return Rate(successes, trials, None, None)
    if not 0 <= successes <= trials:
        raise ValueError(f"successes {successes} not within 0..{trials}")
    z = _N.inv_cdf(1 - (1 - confidence) / 2)
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    return Rate(successes, trials, max(0.0, centre - half), min(1.0, centre + half))


def two_proportion_p(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided p-value of the pooled two-proportion z-test (1.0 when it cannot tell)."""
    if n1 <= 0 or n2 <= 0:
        return 1.0
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    z = (x1 / n1 - x2 / n2) / se
    return 2 * (1 - _N.cdf(abs(z)))


def calls_needed(p1: float, p2: float, alpha: float = ALPHA, power: float = POWER) -> int:
    """Calls per variant for a two-sided test to find ``p1`` vs ``p2`` (equal groups)."""
    diff = abs(p1 - p2)
    if diff == 0:
        raise ValueError("no difference to find")
    za = _N.inv_cdf(1 - alpha / 2)
    zb = _N.inv_cdf(power)
    pbar = (p1 + p2) / 2
    root = za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return math.ceil(root * root / (diff * diff))


@dataclass(frozen=True)
class Verdict:
    """``win``: ``leader`` does better than ``other`` (p); ``wait``: about ``more_calls``
    more calls are needed; ``level``: enough calls and no difference found."""

    kind: str
    leader: str | None = None
    other: str | None = None
    p_value: float | None = None
    more_calls: int | None = None


def verdict(counts: Sequence[tuple[str, int, int]], higher_is_better: bool = True) -> Verdict:
    """The race of one rate: ``counts`` are (variant, successes, trials)."""
    live = [c for c in counts if c[2] > 0]
    if len(counts) < 2:
        return Verdict("level")
    short = sum(max(0, MIN_CALLS - n) for _, _, n in counts)
    if len(live) < 2 or short:
        return Verdict("wait", more_calls=max(short, 2 * MIN_CALLS))
    sign = 1 if higher_is_better else -1
    ranked = sorted(live, key=lambda c: sign * c[1] / c[2], reverse=True)
    (lead, x1, n1), (other, x2, n2) = ranked[0], ranked[1]
    p = two_proportion_p(x1, n1, x2, n2)
    if p < ALPHA:
        return Verdict("win", lead, other, p)
    p1, p2 = x1 / n1, x2 / n2
    if p1 == p2:  # level so far: calls to find the smallest difference worth finding
        base = min(max(p1, MIN_EFFECT / 2), 1 - MIN_EFFECT / 2 - 1e-9)
        p1, p2 = base + MIN_EFFECT / 2, base - MIN_EFFECT / 2
    need = calls_needed(p1, p2)
    more = max(0, need - n1) + max(0, need - n2)
    if more == 0:
        return Verdict("level", lead, other, p)
    return Verdict("wait", lead, other, p, more_calls=more)
