"""A campaign's live numbers and its script race as one model each: the JSON API returns
them, the campaign page and its polled partials render them (the same numbers)."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from crm_sync.campaign_stats import leads_by_variant
from dialer.campaigns import dashboard, racing
from dialer.campaigns.config import DialerSettings
from dialer.campaigns.models import Campaign
from dialer.campaigns.reports import skip_counts
from dialer.campaigns.service import get_campaign
from dialer.campaigns.stored import variants_of
from dialogue.speech.turn_stats import turn_latency
from handoff.stats import handoff_waits

FUNNEL_KEYS = tuple(f.name for f in fields(dashboard.FunnelCounts))


class VariantRow(BaseModel):
    name: str
    weight: float
    stopped: bool
    funnel: dashboard.FunnelCounts


class Pacing(BaseModel):
    status: str
    lines_in_use: int
    max_concurrent: int
    global_in_flight: int
    global_lines: int
    calls_per_second: float
    dialed_per_s: float
    due_now: int
    queued_later: int
    free_agents: int | None
    limit: str


class CampaignLive(BaseModel):
    id: int
    name: str
    status: str
    script_id: str
    live_handoff: bool
    handoff_skill: str | None
    started_at: datetime | None
    funnel: dashboard.FunnelCounts
    variants: list[VariantRow]
    skips: dict[str, int]
    pacing: Pacing
    at: datetime


def _variants(c: Campaign, session: Session) -> list[VariantRow]:
    by = dashboard.funnel_by_variant(session, c.id)
    named = {v.name for v in variants_of(c)}
    for name, n in leads_by_variant(session, c.id).items():  # the one number not the dialer's
        if name in by or name in named:
            by.setdefault(name, dashboard.FunnelCounts()).leads = n
    rows = [
        VariantRow(
            name=v.name,
            weight=v.weight,
            stopped=v.weight <= 0,
            funnel=by.get(v.name, dashboard.FunnelCounts()),
        )
        for v in variants_of(c)
    ]
    known = {v.name for v in rows}
    for name, counts in sorted(by.items()):  # attempts of no (or a removed) variant
        if name not in known:
            label = name or "-"
            rows.append(VariantRow(name=label, weight=0, stopped=True, funnel=counts))
    return rows


def live_view(
    session: Session, campaign_id: int, now: datetime, ds: DialerSettings, free_agents: int | None
) -> CampaignLive:
    c = get_campaign(session, campaign_id)
    variants = _variants(c, session)
    total = dashboard.total({v.name: v.funnel for v in variants})
    pacing = dashboard.pacing_state(session, c, now, ds, free_agents)
    return CampaignLive(
        id=c.id,
        name=c.name,
        status=c.status,
        script_id=c.script_id,
        live_handoff=c.live_handoff,
        handoff_skill=c.handoff_skill,
        started_at=c.started_at,
        funnel=total,
        variants=variants,
        skips=dict(sorted(skip_counts(session, c.id).items(), key=lambda kv: -kv[1])),
        pacing=Pacing(**asdict(pacing)),
        at=now,
    )


# ------------------------------------------------------------------ the race


class RaceRate(BaseModel):
    variant: str
    successes: int
    trials: int
    value: float | None
    low: float | None
    high: float | None


class RaceMetric(BaseModel):
    key: str  # conversion | handoff_acceptance | opt_out | completion
    higher_is_better: bool
    rates: list[RaceRate]
    verdict: str  # win | wait | level
    leader: str | None
    other: str | None
    p_value: float | None
    more_calls: int | None


class CampaignRace(BaseModel):
    id: int
    status: str
    variants: list[VariantRow]
    metrics: list[RaceMetric]


# (key, successes, trials, higher is better)
RACE: tuple[tuple[str, tuple[str, ...], str, bool], ...] = (
    ("conversion", ("grade_a", "grade_b"), "human", True),
    ("handoff_acceptance", ("handoffs_accepted",), "handoffs_offered", True),
    ("opt_out", ("opt_outs",), "human", False),
    ("completion", ("completed",), "human", True),
)


def race_view(session: Session, campaign_id: int, live: CampaignLive | None = None) -> CampaignRace:
    """The race from the campaign's funnel by variant (``live``'s, if given: no second scan)."""
    c = get_campaign(session, campaign_id)
    rows = live.variants if live is not None else _variants(c, session)
    variants = [v for v in rows if v.name != "-"]
    metrics = []
    for key, hits, trials_key, higher in RACE:
        counts = [
            (v.name, sum(getattr(v.funnel, h) for h in hits), getattr(v.funnel, trials_key))
            for v in variants
        ]
        rates = []
        for name, x, n in counts:
            r = racing.wilson(x, n)
            rates.append(
                RaceRate(variant=name, successes=x, trials=n, value=r.value, low=r.low, high=r.high)
            )
        v = racing.verdict(counts, higher_is_better=higher)
        metrics.append(
            RaceMetric(
                key=key,
                higher_is_better=higher,
                rates=rates,
                verdict=v.kind,
                leader=v.leader,
                other=v.other,
                p_value=v.p_value,
                more_calls=v.more_calls,
            )
        )
    return CampaignRace(id=c.id, status=c.status, variants=variants, metrics=metrics)


# ------------------------------------------------------------------ charts


class CampaignCharts(BaseModel):
    bucket_s: int
    labels: list[str]
    connect_rate: list[float | None]
    grades: dict[str, list[int]]
    handoff_wait_s: list[float | None]
    turn_latency_s: list[float | None]


def charts_view(session: Session, campaign_id: int, now: datetime) -> CampaignCharts:
    c = get_campaign(session, campaign_id)
    since = c.started_at or c.created_at
    bucket = dashboard.bucket_for(max(now - since, timedelta(0)))
    points = dashboard.series(session, c.id, bucket)
    waits = {w.bucket: w.mean_wait_s for w in handoff_waits(session, c.id, bucket)}
    lat = {p.bucket: p.mean_s for p in turn_latency(session, c.id, bucket)}
    keys = sorted({p.bucket for p in points} | set(waits) | set(lat))
    by = {p.bucket: p for p in points}
    fmt = "%H:%M:%S" if bucket < 60 else ("%H:%M" if bucket < 86400 else "%m-%d")
    labels = [datetime.fromtimestamp(k * bucket, tz=UTC).astimezone().strftime(fmt) for k in keys]

    def rate(k: int) -> float | None:
        p = by.get(k)
        return round(p.answered / p.dialed, 4) if p and p.dialed else None

    return CampaignCharts(
        bucket_s=bucket,
        labels=labels,
        connect_rate=[rate(k) for k in keys],
        grades={g: [by[k].grades[g] if k in by else 0 for k in keys] for g in "ABCD"},
        handoff_wait_s=[waits.get(k) for k in keys],
        turn_latency_s=[lat.get(k) for k in keys],
    )


def chart_options(charts: CampaignCharts, t: Any) -> dict[str, dict[str, Any]]:
    """ECharts options for the page (data only: the page's script draws them)."""
    base: dict[str, Any] = {
        "animationDuration": 300,
        "grid": {"left": 48, "right": 16, "top": 32, "bottom": 28},
        "tooltip": {"trigger": "axis", "renderMode": "richText"},
        "xAxis": {"type": "category", "data": charts.labels, "boundaryGap": False},
        "textStyle": {"fontFamily": "PingFang SC, Microsoft YaHei, Noto Sans CJK SC, sans-serif"},
    }
    colors = {"A": "#1f8a4c", "B": "#2f6fd0", "C": "#b7791f", "D": "#a94442"}
    return {
        "chart-connect": {
            **base,
            "color": ["#1d5fbf"],
            "yAxis": {
                "type": "value",
                "min": 0,
                "max": 100,
                "axisLabel": {"formatter": "{value}%"},
            },
            "series": [
                {
                    "name": t["connect_rate"],
                    "type": "line",
                    "smooth": True,
                    "areaStyle": {"opacity": 0.12},
                    "data": [None if v is None else round(100 * v, 1) for v in charts.connect_rate],
                    "connectNulls": True,
                }
            ],
        },
        "chart-grades": {
            **base,
            "legend": {"top": 0, "right": 0},
            "xAxis": {**base["xAxis"], "boundaryGap": True},
            "yAxis": {"type": "value", "minInterval": 1},
            "series": [
                {
                    "name": g,
                    "type": "bar",
                    "stack": "g",
                    "itemStyle": {"color": colors[g]},
                    "data": charts.grades[g],
                }
                for g in "ABCD"
            ],
        },
        "chart-wait": {
            **base,
            "color": ["#b7791f"],
            "yAxis": {"type": "value", "name": "s"},
            "series": [
                {
                    "name": t["handoff_wait"],
                    "type": "line",
                    "data": charts.handoff_wait_s,
                    "connectNulls": True,
                }
            ],
        },
        "chart-latency": {
            **base,
            "color": ["#6b4fbb"],
            "yAxis": {"type": "value", "name": "s"},
            "series": [
                {
                    "name": t["turn_latency"],
                    "type": "line",
                    "data": charts.turn_latency_s,
                    "connectNulls": True,
                }
            ],
        },
    }
