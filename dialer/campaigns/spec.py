"""A campaign as operators write it (pydantic), and sticky A/B variant choice (pure)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator

from dialer.campaigns.pacing import PacingConfig
from dialer.campaigns.policy import CompliancePolicy
from dialer.campaigns.retries import RetryPolicy
from dialer.campaigns.windows import CallingWindow
from kernel.bounds import Int64, RowId


class VariantSpec(BaseModel):
    name: str = Field(min_length=1, max_length=50)
    weight: float = Field(default=1.0, ge=0)
    script_id: str | None = None


class AudienceFilter(BaseModel):
    """Customer attributes; every given condition must hold."""

    star_min: Int64 | None = None
    star_max: Int64 | None = None
    aum_bands: list[str] | None = None
    aum_min: float | None = Field(default=None, description="on attributes['aum']")
    aum_max: float | None = None
    branches: list[str] | None = None
    tags_all: list[str] = Field(default_factory=list, description="has every tag")
    tags_none: list[str] = Field(default_factory=list, description="has none of these tags")

    def matches(
        self,
        star: int | None,
        aum_band: str | None,
        branch: str | None,
        tags: Sequence[str],
        attributes: dict[str, Any],
    ) -> bool:
        if self.star_min is not None and (star is None or star < self.star_min):
            return False
        if self.star_max is not None and (star is None or star > self.star_max):
            return False
        if self.aum_bands is not None and aum_band not in self.aum_bands:
            return False
        if self.branches is not None and branch not in self.branches:
            return False
        if self.aum_min is not None or self.aum_max is not None:
            aum = attributes.get("aum")
            if not isinstance(aum, int | float):
                return False
            if self.aum_min is not None and aum < self.aum_min:
                return False
            if self.aum_max is not None and aum > self.aum_max:
                return False
        tagset = set(tags or ())
        if not set(self.tags_all) <= tagset:
            return False
        return not tagset & set(self.tags_none)


class AudienceSpec(BaseModel):
    list_ids: list[RowId] = Field(default_factory=list)
    filter: AudienceFilter | None = None

    @model_validator(mode="after")
    def _something(self) -> AudienceSpec:
        if not self.list_ids and self.filter is None:
            raise ValueError("an audience needs list_ids or a filter")
        return self


THRESHOLD_KEYS = frozenset({"live_handoff", "follow_up", "grade_a", "grade_b", "grade_c"})


class CampaignSpec(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    script_id: str = Field(min_length=1, max_length=100)
    language: str = Field("zh-CN", pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")
    caller_id: str = Field(min_length=3, max_length=20)
    variants: list[VariantSpec] = Field(default_factory=list)
    audience: AudienceSpec
    window: CallingWindow = Field(default_factory=CallingWindow)
    pacing: PacingConfig = Field(default_factory=PacingConfig)
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    # On the scorer's 0-1 scale (0-100 in the console): ``live_handoff`` (ask for an
    # agent mid-call), ``grade_a``, ``grade_b`` (also ``follow_up``), ``grade_c``.
    thresholds: dict[str, float] = Field(
        default_factory=lambda: {"live_handoff": 0.8, "follow_up": 0.5}
    )
    live_handoff: bool = False
    handoff_skill: str | None = None
    start_at: datetime | None = None
    # calls run without the speech pipeline (a text-mode simulation): no speech model needed
    text_only: bool = False

    compliance: CompliancePolicy = Field(default_factory=CompliancePolicy)

    @field_validator("variants")
    @classmethod
    def _variants(cls, v: list[VariantSpec]) -> list[VariantSpec]:
        names = [x.name for x in v]
        if len(set(names)) != len(names):
            raise ValueError("variant names must be unique")
        if v and sum(x.weight for x in v) <= 0:
            raise ValueError("variant weights must not all be zero")
        return v

    @field_validator("thresholds")
    @classmethod
    def _thresholds(cls, v: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(v) - THRESHOLD_KEYS)
        if unknown:
            raise ValueError(f"unknown threshold {unknown[0]!r} (known: {sorted(THRESHOLD_KEYS)})")
        for k, x in v.items():
            if not 0.0 <= x <= 1.0:
                raise ValueError(f"threshold {k!r} must be within 0..1, got {x}")
        a = v.get("grade_a", 0.75)
        b = v.get("grade_b", v.get("follow_up", 0.5))
        c = v.get("grade_c", 0.25)
        if not c < b < a:
            raise ValueError("thresholds must satisfy grade_c < grade_b (follow_up) < grade_a")
        return v

    @field_validator("start_at")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.tzinfo is None:
            raise ValueError("start_at needs a time zone")
        return v


def pick_variant(variants: Sequence[VariantSpec], campaign_id: int, customer_id: int) -> str | None:
    """A variant by weight, the same for a customer every time (hash of campaign, customer)."""
    if not variants:
        return None
    total = sum(v.weight for v in variants)
    h = hashlib.sha256(f"{campaign_id}:{customer_id}".encode()).digest()
    point = int.from_bytes(h[:8], "big") / 2**64 * total
    acc = 0.0
    for v in variants:
        acc += v.weight
        if point < acc and v.weight > 0:
            return v.name
    return next(v.name for v in reversed(variants) if v.weight > 0)
