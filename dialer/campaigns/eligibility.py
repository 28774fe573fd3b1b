"""May we dial this customer now? A pure decision with a reason code.

Checked when the audience is built and again at the moment of dialing. Final reasons
(suppression lists) end the attempt; temporary ones (caps, window, a live call) carry the
earliest time worth trying again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from dialer.campaigns.holidays import HolidayCalendar
from dialer.campaigns.rulepacks import PastDial, RulePack, check
from dialer.campaigns.windows import (
    CALENDAR_UNKNOWN,
    CallingWindow,
    ZoneSpec,
    local_midnight_after,
    next_open,
    window_reason,
    zone,
)

# Suppression kinds in the order they are reported.
SUPPRESSION_ORDER = ("opt_out", "dnc", "blacklist", "staff")
FINAL_REASONS = frozenset(SUPPRESSION_ORDER) | {"no_window", "cap_zero"}
LIVE_CALL_RECHECK = timedelta(minutes=5)
CALENDAR_RECHECK = timedelta(hours=6)


class FrequencyCaps(BaseModel):
    """Contact-frequency caps across all campaigns."""

    max_connected: int = Field(default=1, ge=0, description="connected calls per period")
    connected_period_days: int = Field(default=7, ge=1)
    max_attempts_per_day: int = Field(default=2, ge=0, description="dials per local day")


@dataclass(frozen=True)
class ContactHistory:
    """Past dials of one customer (any campaign): when dialed, and when a human answered."""

    dialed: Sequence[datetime] = ()
    connected: Sequence[datetime] = ()
    dials: Sequence[PastDial] = ()  # the same dials with their campaign's product/channel


@dataclass(frozen=True)
class CustomerFacts:
    customer_id: int
    zones: ZoneSpec
    suppressions: frozenset[str] = frozenset()
    in_live_call: bool = False
    history: ContactHistory = field(default_factory=ContactHistory)


@dataclass(frozen=True)
class Decision:
    ok: bool
    reason: str | None = None
    retry_at: datetime | None = None

    @property
    def final(self) -> bool:
        return not self.ok and (self.reason in FINAL_REASONS or self.retry_at is None)


ALLOW = Decision(ok=True)


@dataclass(frozen=True)
class PackCheck:
    """A campaign's frequency rule packs and what they need to know about its dials."""

    packs: Sequence[RulePack] = ()
    product: str | None = None
    channel: str | None = None

    def check(self, facts: CustomerFacts, now: datetime) -> Decision | None:
        b = check(
            self.packs,
            facts.history.dials,
            now,
            facts.zones,
            product=self.product,
            channel=self.channel,
        )
        return None if b is None else Decision(False, b.rule, b.retry_at)

    def for_callbacks(self) -> PackCheck:
        return PackCheck(tuple(p for p in self.packs if p.callbacks), self.product, self.channel)


def decide(
    facts: CustomerFacts,
    window: CallingWindow,
    calendar: HolidayCalendar,
    caps: FrequencyCaps,
    now: datetime,
    window_memo: dict[ZoneSpec, Decision] | None = None,
    packs: PackCheck | None = None,
) -> Decision:
    """The decision for dialing ``facts``'s customer at ``now`` (aware UTC).

    ``window_memo`` caches the window verdict per zone spec when many customers are
    decided for the same ``now``, window and calendar (a campaign's eligibility pass).
    """
    for kind in SUPPRESSION_ORDER:
        if kind in facts.suppressions:
            return Decision(False, kind)
    if facts.in_live_call:
        return Decision(False, "in_live_call", now + LIVE_CALL_RECHECK)
    hist = facts.history
    since = now - timedelta(days=caps.connected_period_days)
    recent = sorted(t for t in hist.connected if since < t <= now)
    if caps.max_connected == 0 or caps.max_attempts_per_day == 0:
        return Decision(False, "cap_zero")  # marketing calls switched off
    if len(recent) >= caps.max_connected:
        # Free again when enough of the recent connections age out of the period.
        idx = len(recent) - caps.max_connected
        free_at = recent[idx] + timedelta(days=caps.connected_period_days)
        return Decision(False, "cap_connected", max(free_at, now + timedelta(seconds=1)))
    primary = zone(facts.zones.zones[0])
    today = now.astimezone(primary).date()
    today_dials = sum(1 for t in hist.dialed if t <= now and t.astimezone(primary).date() == today)
    if today_dials >= caps.max_attempts_per_day:
        return Decision(
            False, "cap_daily_attempts", local_midnight_after(now, facts.zones.zones[0])
        )
    if packs is not None:
        breach = packs.check(facts, now)
        if breach is not None:
            return breach
    if window_memo is not None:
        cached = window_memo.get(facts.zones)
        if cached is None:
            cached = window_memo[facts.zones] = _window(window, calendar, facts.zones, now)
        return cached
    return _window(window, calendar, facts.zones, now)


def decide_callback(
    facts: CustomerFacts,
    window: CallingWindow,
    calendar: HolidayCalendar,
    now: datetime,
    packs: PackCheck | None = None,
) -> Decision:
    """A call back the customer asked for: opt-out, do-not-call and the other
    suppressions, a live call elsewhere and the calling window still apply, and the
    carriers' rules (packs marked ``callbacks: true``); the marketing caps do not."""
    for kind in SUPPRESSION_ORDER:
        if kind in facts.suppressions:
            return Decision(False, kind)
    if facts.in_live_call:
        return Decision(False, "in_live_call", now + LIVE_CALL_RECHECK)
    if packs is not None:
        breach = packs.for_callbacks().check(facts, now)
        if breach is not None:
            return breach
    return _window(window, calendar, facts.zones, now)


def _window(
    window: CallingWindow, calendar: HolidayCalendar, zones: ZoneSpec, now: datetime
) -> Decision:
    reason = window_reason(window, calendar, zones, now)
    if reason:
        nxt = next_open(window, calendar, zones, now)
        if (nxt is None and reason == CALENDAR_UNKNOWN) or (
            nxt is None and not calendar.is_known(now.date() + timedelta(days=45))
        ):
            # Wait (not a final skip): the campaign goes on once the bank loads the year.
            return Decision(False, CALENDAR_UNKNOWN, now + CALENDAR_RECHECK)
        if nxt is None:
            return Decision(False, "no_window")
        return Decision(False, reason, nxt)
    return ALLOW
