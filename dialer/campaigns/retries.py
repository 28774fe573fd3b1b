"""Retry rules per call outcome (pure): when, and how many times, to try again."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from pydantic import BaseModel, Field, model_validator

from dialer.campaigns.windows import local_midnight_after

# Outcomes an attempt can end with (carrier result + answer classification).
OUTCOMES = (
    "answered",  # a human answered: the conversation happened
    "voicemail",
    "announcement",  # a carrier announcement ("the number is not in service", ...)
    "busy",
    "no_answer",
    "powered_off",
    "invalid",
    "restricted",  # the network refused the call (SIP 403: barred, restricted)
    "failed",
    "not_dialed",  # the carrier never got the request (reconciled after a crash)
)


class RetryRule(BaseModel):
    """Retry ``max_retries`` times, each after ``delay_minutes`` or at the next local day."""

    max_retries: int = Field(ge=0)
    delay_minutes: float | None = Field(default=None, gt=0)
    next_day: bool = False

    @model_validator(mode="after")
    def _one_delay(self) -> RetryRule:
        if self.max_retries and (self.delay_minutes is None) == (not self.next_day):
            raise ValueError("give exactly one of delay_minutes or next_day")
        return self


def default_rules() -> dict[str, RetryRule]:
    return {
        "busy": RetryRule(max_retries=3, delay_minutes=30),
        "no_answer": RetryRule(max_retries=2, delay_minutes=120),
        "voicemail": RetryRule(max_retries=2, delay_minutes=120),
        "powered_off": RetryRule(max_retries=2, next_day=True),
        "announcement": RetryRule(max_retries=1, next_day=True),
        "failed": RetryRule(max_retries=1, delay_minutes=30),
        "invalid": RetryRule(max_retries=0),
        "restricted": RetryRule(max_retries=0),
        "answered": RetryRule(max_retries=0),
    }


class RetryPolicy(BaseModel):
    """A campaign's rules; outcomes not listed use the defaults."""

    rules: dict[str, RetryRule] = Field(default_factory=dict)

    def rule(self, outcome: str) -> RetryRule:
        if outcome in self.rules:
            return self.rules[outcome]
        return default_rules().get(outcome, RetryRule(max_retries=0))

    def max_dials(self) -> int:
        """An upper bound on dials of one customer in one campaign."""
        names = set(default_rules()) | set(self.rules)
        return 1 + sum(self.rule(o).max_retries for o in names)


def next_retry(
    policy: RetryPolicy,
    outcome: str,
    previous: Mapping[str, int],
    ended_at: datetime,
    zone_name: str,
) -> datetime | None:
    """When to retry after ``outcome``; ``previous`` counts earlier retries per outcome.

    ``not_dialed`` re-queues at once without spending a retry (nobody was called).
    """
    if outcome == "not_dialed":
        return ended_at
    rule = policy.rule(outcome)
    if previous.get(outcome, 0) >= rule.max_retries:
        return None
    if rule.next_day:
        return local_midnight_after(ended_at, zone_name)
    assert rule.delay_minutes is not None
    return ended_at + timedelta(minutes=rule.delay_minutes)
