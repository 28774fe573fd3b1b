"""A dry run of a campaign: what the operator can expect before launching for real.

The simulator runs the campaign's spec on virtual time against a sample of its real
audience (``simulator.dry_run``); this module holds what the product knows of it without
the simulator: the request and the result's shape, the pure arithmetic (a sample's funnel
scaled to the audience, the calling time the audience needs under the window and the
pacing, the spec's digest) and ``DryRunner``, the interface the composition root
implements (``tailcall.dry_run``) and the pages and the API call.

The numbers are the funnel's mechanics with simulated customers (the simulator's persona
mix), not a forecast of real conversion: answer rates, replies and grades are the
personas', the windows, caps, pacing, retries and the script are the campaign's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Protocol

from pydantic import BaseModel, Field

from dialer.campaigns.holidays import HolidayCalendar
from dialer.campaigns.retries import RetryPolicy
from dialer.campaigns.spec import CampaignSpec
from dialer.campaigns.windows import CallingWindow, ZoneSpec, next_open, window_reason, zone

# The funnel of a dry run, in the order the pages show it (dialer.campaigns.dashboard's
# definitions, plus leads).
FUNNEL_KEYS = (
    "dialed", "answered", "human", "engaged", "completed",
    "grade_a", "grade_b", "grade_c", "grade_d",
    "handoffs_offered", "handoffs_accepted", "handoffs_timed_out", "handoffs_to_follow_up",
    "leads", "opt_outs", "complaints",
)  # fmt: skip
DEFAULT_SAMPLE = 200
DEFAULT_AGENTS = 5
MAX_SAMPLE = 5000


class DryRunRequest(BaseModel):
    spec: CampaignSpec
    sample: int = Field(DEFAULT_SAMPLE, ge=1, le=MAX_SAMPLE, description="most customers")
    agents: int = Field(DEFAULT_AGENTS, ge=0, le=500, description="simulated agents for handoffs")
    seed: int = Field(1, ge=0, le=2**31)


class VariantFunnel(BaseModel):
    name: str
    sample: dict[str, int]  # counted in the simulation
    expected: dict[str, int]  # scaled to the audience


class DurationEstimate(BaseModel):
    """How long the real campaign would take: the window time its calls need and when,
    walking the calling window from the start, it would be done."""

    dials: int  # expected dials of the whole audience
    calling_s: float  # window-open seconds the dials need
    limited_by: str  # lines | rate
    retry_tail_s: float  # the longest retry delay after the last first call
    ends_at: datetime | None  # None: the window never opens (or not within a year)
    span_s: float | None  # from the start to the end
    calendar_days: int | None  # local days from the start's to the end's, both counted


class BreakerTrip(BaseModel):
    """The compliance breaker would have paused the campaign here (the dry run resumed
    it to see the rest)."""

    at: datetime
    after_dials: int
    reason: str
    detail: str


class DryRunResult(BaseModel):
    members: int  # the audience before suppressions
    audience: int  # who would be called (after filters and suppressions)
    excluded: dict[str, int]  # by the strongest suppression
    sample: int  # customers simulated (a random sample when the audience is larger)
    scale: float  # audience / sample
    grade_mix: dict[str, int]  # the sample's simulated customers by their true grade
    funnel: dict[str, int]  # the sample's
    expected: dict[str, int]  # scaled to the audience
    variants: list[VariantFunnel]
    skips: dict[str, int]  # the sample's, by reason
    expected_skips: dict[str, int]
    started_at: datetime  # virtual: when the real campaign would start
    first_dial_at: datetime | None  # virtual: the sample's first call
    sample_span_s: float  # virtual seconds from the start to the sample's last call's end
    sample_days: int  # local days the sample's calls took
    estimate: DurationEstimate
    agents: int
    lines: int  # the lines the campaign may use (its pacing and the system's)
    wall_s: float  # how long the dry run took
    unfinished: bool = False  # stopped at the horizon or the time limit with calls left
    breaker_trips: list[BreakerTrip] = Field(default_factory=list)


class DryRunner(Protocol):
    """Runs dry runs in the background (``tailcall.dry_run.BackgroundDryRuns``)."""

    def start(self, request: DryRunRequest, *, who: str, campaign_id: int | None) -> int:
        """Store the dry run as queued and start it; its id (``dialer.campaigns.dry_runs``
        reads its progress and result)."""
        ...


def spec_digest(spec: CampaignSpec) -> str:
    """SHA-256 of the spec as stored (times in UTC): the same for a form's unsaved spec
    and the campaign saved from it."""
    data = spec.model_dump(mode="json")
    if spec.start_at is not None:
        data["start_at"] = spec.start_at.astimezone(zone("UTC")).isoformat()
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def scale(counts: Mapping[str, int], factor: float) -> dict[str, int]:
    """Counts of a sample as expected counts of the whole audience (rounded)."""
    return {k: round(v * factor) for k, v in counts.items()}


def calling_seconds(
    dials: int, line_s_per_dial: float, lines: int, cps: float
) -> tuple[float, str]:
    """Window-open seconds ``dials`` calls need: each holds a line for ``line_s_per_dial``
    on average with ``lines`` at once, and at most ``cps`` start per second."""
    by_lines = dials * line_s_per_dial / max(lines, 1)
    by_rate = dials / cps if cps > 0 else float("inf")
    return (by_lines, "lines") if by_lines >= by_rate else (by_rate, "rate")


def retry_tail_s(policy: RetryPolicy, outcomes: Mapping[str, int]) -> float:
    """The longest retry delay among the outcomes the sample saw that are retried."""
    delays = [
        (policy.rule(o).delay_minutes or 0.0) * 60.0
        for o, n in outcomes.items()
        if n and policy.rule(o).max_retries > 0
    ]
    return max(delays, default=0.0)


def _close_after(window: CallingWindow, at: datetime, zone_name: str) -> datetime:
    """The end of the window's range that contains ``at`` (open at ``at``)."""
    local = at.astimezone(zone(zone_name))
    t = local.time().replace(tzinfo=None)
    for a, b in window.hours:
        if a <= t < b:
            end = datetime.combine(local.date(), b, tzinfo=zone(zone_name))
            return max(end.astimezone(at.tzinfo), at)
    return at


def walk_window(
    window: CallingWindow,
    calendar: HolidayCalendar,
    zone_name: str,
    start: datetime,
    seconds: float,
    *,
    horizon_days: int = 366,
) -> datetime | None:
    """The instant when ``seconds`` of open window have passed from ``start`` in
    ``zone_name`` (None when the window does not open enough within the horizon)."""
    spec = ZoneSpec(zones=(zone_name,))
    t, left = start, max(seconds, 0.0)
    limit = start + timedelta(days=horizon_days)
    while t < limit:
        opened = next_open(window, calendar, spec, t)
        if opened is None or opened >= limit:
            return None
        if left <= 0:
            return opened
        close = _close_after(window, opened, zone_name)
        if close <= opened:  # a range that ends at midnight: step a second and look again
            close = opened + timedelta(seconds=1)
            if window_reason(window, calendar, spec, close) is not None:
                t = close
                continue
        span = (close - opened).total_seconds()
        if span >= left:
            return opened + timedelta(seconds=left)
        left -= span
        t = close
    return None


def estimate_duration(
    *,
    window: CallingWindow,
    calendar: HolidayCalendar,
    zone_name: str,
    start: datetime,
    dials: int,
    line_s_per_dial: float,
    lines: int,
    cps: float,
    tail_s: float,
) -> DurationEstimate:
    """When the real campaign would be done: its dials' window time from ``start``, then
    the last retry's delay and the window time it needs to be dialed."""
    need, limited_by = calling_seconds(dials, line_s_per_dial, lines, cps)
    first = walk_window(window, calendar, zone_name, start, need)
    end = first
    if first is not None and tail_s > 0:
        end = walk_window(window, calendar, zone_name, first + timedelta(seconds=tail_s), 0)
        end = None if end is None else end + timedelta(seconds=line_s_per_dial)
    days = None
    if end is not None:
        tz = zone(zone_name)
        days = (end.astimezone(tz).date() - start.astimezone(tz).date()).days + 1
    return DurationEstimate(
        dials=dials,
        calling_s=round(need, 1),
        limited_by=limited_by,
        retry_tail_s=tail_s,
        ends_at=end,
        span_s=None if end is None else round((end - start).total_seconds(), 1),
        calendar_days=days,
    )
