"""What the bank knows of a customer before the call, as the scorer's profile features.

Segments, star levels, AUM bands and tags are the shared vocabulary of
``kernel.customer_attrs``: what the importer writes is what the models were fitted on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kernel import customer_attrs

COUNT_CAP = 3.0  # counts (views, responses, signals) saturate here


class CustomerProfile(BaseModel):
    """What the bank knows about the customer before the call."""

    model_config = ConfigDict(extra="forbid")

    segment: str | None = Field(default=None, max_length=40)
    star_level: int | None = Field(
        default=None, ge=customer_attrs.STAR_MIN, le=customer_attrs.STAR_MAX
    )
    aum_band: str | None = Field(default=None, max_length=32)
    tags: tuple[str, ...] = ()
    app_views: dict[str, int] = Field(
        default_factory=dict, description="category -> views in the app this week"
    )
    past_responses: dict[Literal["positive", "negative"], int] = Field(default_factory=dict)

    @field_validator("app_views", "past_responses")
    @classmethod
    def _non_negative(cls, v: dict[str, int]) -> dict[str, int]:
        for k, n in v.items():
            if n < 0:
                raise ValueError(f"{k}: must not be negative")
        return v

    @classmethod
    def from_customer(cls, row: Mapping[str, Any]) -> CustomerProfile:
        """From a customer row as a mapping (``dialer.lists.models.Customer`` columns, with
        ``segment``, ``app_views`` and ``past_responses`` read from ``attributes``). The
        segment defaults to the AUM band's, band labels are put in the vocabulary's form
        and star levels above its top count as the top."""
        attrs = row.get("attributes") or {}
        band = row.get("aum_band")
        band = customer_attrs.canonical_band(band) if band else None
        return cls(
            segment=attrs.get("segment") or customer_attrs.segment_of_band(band),
            star_level=customer_attrs.clamp_star(row.get("star_level")),
            aum_band=band,
            tags=tuple(row.get("tags") or ()),
            app_views=dict(attrs.get("app_views") or {}),
            past_responses=dict(attrs.get("past_responses") or {}),
        )

    def features(self) -> dict[str, float]:
        f: dict[str, float] = {}
        if self.star_level is not None:
            f["profile:star_level"] = self.star_level / float(customer_attrs.STAR_MAX)
        if self.segment:
            f[f"profile:segment:{self.segment}"] = 1.0
        if self.aum_band:
            f[f"profile:aum_band:{self.aum_band}"] = 1.0
        for tag in self.tags:
            f[f"profile:tag:{tag}"] = 1.0
        for cat, n in self.app_views.items():
            if n > 0:
                f[f"profile:app_views:{cat}"] = math.log1p(n)
        pos, neg = self.past_responses.get("positive", 0), self.past_responses.get("negative", 0)
        if pos:
            f["profile:past_positive"] = min(float(pos), COUNT_CAP)
        if neg:
            f["profile:past_negative"] = min(float(neg), COUNT_CAP)
        return f
