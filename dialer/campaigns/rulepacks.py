"""Frequency rules as data packs (pure): the bank's marketing caps and the carriers' rules.

A pack is a YAML document with a name, a version and rules. Every dial is checked against
the campaign's packs at audience build and again at claim time; the first rule it breaks
names the skip: ``<pack>:<rule id>@<version>`` (``carrier-cn:5-in-24h@2026.1``), with the
earliest time the rule allows the dial again.

Rules:

- ``max_dials``: at most ``max`` dials in a sliding ``period`` (``5m``, ``24h``, ``7d``) or
  per local day (``period: day``), to the customer's number from any campaign and any
  caller number; ``contacts_only`` counts only calls a person answered. ``product`` and
  ``channel`` restrict the rule to dials of campaigns with that product or channel (the
  dial being checked must match too).
- ``hours``: dials only between ``from`` and ``to`` local time (every zone of the number).

The files are read by ``dialer.campaigns.packfiles``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from dialer.campaigns.windows import ZoneSpec, local_midnight_after, zone
from kernel.errors import InvalidInput

_PERIOD = re.compile(r"^(\d+)([mhd])$")
_UNIT = {"m": "minutes", "h": "hours", "d": "days"}


class Rule(BaseModel):
    id: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    kind: Literal["max_dials", "hours"]
    max: int | None = Field(default=None, ge=0)
    period: str | None = None  # "5m" | "24h" | "7d" | "day"
    contacts_only: bool = False
    product: str | None = None
    channel: str | None = None
    from_: time | None = Field(default=None, alias="from")
    to: time | None = None

    @field_validator("period")
    @classmethod
    def _period(cls, v: str | None) -> str | None:
        if v is not None and v != "day" and not _PERIOD.match(v):
            raise ValueError("period is like 5m, 24h, 7d or 'day'")
        return v

    @model_validator(mode="after")
    def _complete(self) -> Rule:
        if self.kind == "max_dials" and (self.max is None or self.period is None):
            raise ValueError("a max_dials rule needs max and period")
        if self.kind == "hours" and (
            self.from_ is None or self.to is None or self.from_ >= self.to
        ):
            raise ValueError("an hours rule needs from < to")
        return self

    def window(self) -> timedelta | None:
        if self.period is None or self.period == "day":
            return None
        m = _PERIOD.match(self.period)
        assert m is not None
        return timedelta(**{_UNIT[m.group(2)]: int(m.group(1))})


class RulePack(BaseModel):
    name: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    version: str = Field(min_length=1, max_length=20)
    description: str = ""
    callbacks: bool = False  # also binds the calls back a customer asked for
    rules: list[Rule]

    def tag(self, rule: Rule) -> str:
        return f"{self.name}:{rule.id}@{self.version}"


@dataclass(frozen=True)
class PastDial:
    """One earlier dial of the number: when, the campaign's product and channel, and
    whether a person answered."""

    at: datetime
    product: str | None = None
    channel: str | None = None
    contact: bool = False


@dataclass(frozen=True)
class Breach:
    rule: str  # pack:rule@version
    retry_at: datetime


def _applies(rule: Rule, product: str | None, channel: str | None) -> bool:
    return (rule.product is None or rule.product == product) and (
        rule.channel is None or rule.channel == channel
    )


def _max_dials(
    rule: Rule, history: Sequence[PastDial], now: datetime, zones: ZoneSpec
) -> datetime | None:
    """When the rule allows the next dial (None: now)."""
    assert rule.max is not None
    counted = sorted(
        d.at
        for d in history
        if d.at <= now
        and (d.contact or not rule.contacts_only)
        and _applies(rule, d.product, d.channel)
    )
    span = rule.window()
    if span is None:  # per local day of the number's first zone
        tz = zone(zones.zones[0])
        today = now.astimezone(tz).date()
        if sum(1 for t in counted if t.astimezone(tz).date() == today) >= rule.max:
            return local_midnight_after(now, zones.zones[0])
        return None
    recent = [t for t in counted if t > now - span]
    if len(recent) < rule.max:
        return None
    if rule.max == 0:
        return now + span
    return recent[len(recent) - rule.max] + span


def _hours(rule: Rule, now: datetime, zones: ZoneSpec) -> datetime | None:
    assert rule.from_ is not None and rule.to is not None
    later: list[datetime] = []
    for name in zones.zones:
        tz = zone(name)
        local = now.astimezone(tz)
        if rule.from_ <= local.time() < rule.to:
            continue
        day = local.date() if local.time() < rule.from_ else local.date() + timedelta(days=1)
        later.append(datetime.combine(day, rule.from_, tz))
    return max(later) if later else None


def check(
    packs: Sequence[RulePack],
    history: Sequence[PastDial],
    now: datetime,
    zones: ZoneSpec,
    *,
    product: str | None = None,
    channel: str | None = None,
) -> Breach | None:
    """The first rule a dial at ``now`` would break (pack order, then rule order)."""
    for pack in packs:
        for rule in pack.rules:
            if not _applies(rule, product, channel):
                continue
            if rule.kind == "hours":
                when = _hours(rule, now, zones)
            else:
                when = _max_dials(rule, history, now, zones)
            if when is not None:
                return Breach(pack.tag(rule), max(when, now + timedelta(seconds=1)))
    return None


def parse_pack(text: str, source: str) -> RulePack:
    """A pack from YAML; errors name the file and the field."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInput("not valid YAML", where=source) from exc
    try:
        return RulePack.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise InvalidInput(err["msg"], where=f"{source}: {where}") from exc
