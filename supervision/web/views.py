"""What the supervisor's pages show, built from the services (no web code): chart options
for the call page and the report page, and the filter choices of the call history."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kernel.vocab import GRADES
from supervision.qa import FLAG_CODES
from supervision.report import DailyReport

REVIEW_STATES = ("none", "queued", "reviewed")
_BLUE, _GREEN, _AMBER, _RED = "#1d5fbf", "#1f8a4c", "#b7791f", "#a94442"


def flag_choices() -> tuple[str, ...]:
    return FLAG_CODES


def score_chart(points: list[dict[str, Any]], t: Mapping[str, str]) -> dict[str, Any]:
    """The score after each turn (0..100), the reasons in the tooltip."""
    xs = [f"{p.get('turn', i + 1)}·{p.get('state', '')}" for i, p in enumerate(points)]
    data = [
        {"value": round(float(p.get("score") or 0), 1), "reasons": p.get("reasons", [])}
        for p in points
    ]
    return {
        "grid": {"left": 40, "right": 16, "top": 24, "bottom": 40},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "category", "data": xs, "axisLabel": {"fontSize": 11}},
        "yAxis": {"type": "value", "min": 0, "max": 100},
        "series": [
            {
                "type": "line",
                "name": t["score"],
                "data": data,
                "smooth": True,
                "symbolSize": 8,
                "label": {"show": True, "position": "top", "fontSize": 11},
                "itemStyle": {"color": _BLUE},
                "markArea": {
                    "silent": True,
                    "data": [
                        [
                            {"yAxis": 75, "itemStyle": {"color": "rgba(31,138,76,.06)"}},
                            {"yAxis": 100},
                        ]
                    ],
                },
            }
        ],
    }


def latency_chart(turns: list[dict[str, Any]], t: Mapping[str, str]) -> dict[str, Any]:
    xs = [f"{tn['seq'] + 1}·{tn['state']}" for tn in turns]
    return {
        "grid": {"left": 44, "right": 16, "top": 28, "bottom": 40},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0, "textStyle": {"fontSize": 11}},
        "xAxis": {"type": "category", "data": xs, "axisLabel": {"fontSize": 11}},
        "yAxis": {"type": "value", "name": "s"},
        "series": [
            {"type": "bar", "name": t["asr_latency"], "stack": "l", "itemStyle": {"color": "#8fb3e8"},
             "data": [round(tn["asr_s"], 2) for tn in turns]},
            {"type": "bar", "name": t["response_latency"], "itemStyle": {"color": _BLUE},
             "data": [round(tn["response_s"], 2) if tn["response_s"] is not None else None
                      for tn in turns]},
        ],
    }  # fmt: skip


def report_charts(rep: DailyReport, t: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    o = rep.overall
    days = [d.isoformat()[5:] for d, _ in rep.history]
    trend = {
        "grid": {"left": 44, "right": 44, "top": 32, "bottom": 28},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0, "textStyle": {"fontSize": 11}},
        "xAxis": {"type": "category", "data": days},
        "yAxis": [{"type": "value", "name": t["dialed"]}, {"type": "value", "max": 1}],
        "series": [
            {"type": "bar", "name": t["dialed"], "data": [r.calls for _, r in rep.history],
             "itemStyle": {"color": "#c7d7ef"}},
            {"type": "line", "name": t["connect_rate"], "yAxisIndex": 1, "itemStyle": {"color": _BLUE},
             "data": [r.connect_rate for _, r in rep.history]},
            {"type": "line", "name": t["opt_outs"], "yAxisIndex": 1, "itemStyle": {"color": _RED},
             "data": [r.opt_out_rate for _, r in rep.history]},
        ],
    }  # fmt: skip
    funnel = {
        "grid": {"left": 90, "right": 24, "top": 8, "bottom": 24},
        "tooltip": {},
        "xAxis": {"type": "value"},
        "yAxis": {
            "type": "category",
            "inverse": True,
            "data": [t["dialed"], t["answered"], t["human"], t["engaged"], "A+B", t["leads"]],
        },
        "series": [
            {
                "type": "bar",
                "itemStyle": {"color": _BLUE},
                "label": {"show": True, "position": "right"},
                "data": [
                    o.dialed,
                    o.answered,
                    o.human,
                    o.engaged,
                    o.grades["A"] + o.grades["B"],
                    o.leads,
                ],
            }
        ],
    }
    colors = {"A": _GREEN, "B": _BLUE, "C": _AMBER, "D": _RED}
    grades = {
        "tooltip": {"trigger": "item"},
        "legend": {"bottom": 0},
        "series": [
            {
                "type": "pie",
                "radius": ["40%", "68%"],
                "data": [
                    {"name": g, "value": o.grades[g], "itemStyle": {"color": colors[g]}}
                    for g in GRADES
                ],
            }
        ],
    }
    return {"trend": trend, "funnel": funnel, "grades": grades}
