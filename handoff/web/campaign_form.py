"""The campaign form: the same ``CampaignSpec`` as the CLI's and the API's YAML, from form
fields and back, with every error on its field.

``spec_from_form`` parses the fields into the spec's shape and validates it with the
spec's own model, mapping each pydantic error location to the form field that shows it
(``error_key``); ``form_from_spec`` fills the form from a spec (an imported YAML file).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from dialer.campaigns.retries import RetryRule
from dialer.campaigns.spec import AudienceSpec, CampaignSpec, VariantSpec
from kernel.bounds import row_id

VARIANT_ROWS = 4
RETRY_OUTCOMES = ("busy", "no_answer", "voicemail")
FIELD_KEYS = (
    "form", "name", "script", "caller_id", "variants",
    *(f"variant_{p}_{i}" for i in range(VARIANT_ROWS) for p in ("name", "weight", "script")),
    "audience", "star_min", "star_max", "branches", "tags_all", "tags_none",
    "weekdays", "hours", "holiday_calendar", "max_concurrent", "calls_per_second",
    "retry", *(f"retry_{o}{d}" for o in RETRY_OUTCOMES for d in ("", "_delay")),
    "thresholds", "t_live_handoff", "t_grade_a", "t_grade_b", "t_grade_c",
    "handoff_skill", "start_at",
)  # fmt: skip
FormFields = Mapping[str, str | Sequence[str]]
Errors = dict[str, str]


def _one(form: FormFields, key: str) -> str:
    v = form.get(key, "")
    if isinstance(v, str):
        return v.strip()
    return str(v[0]).strip() if v else ""


def _many(form: FormFields, key: str) -> list[str]:
    v = form.get(key, [])
    return [v] if isinstance(v, str) else [str(x) for x in v]


def _csv(text: str) -> list[str]:
    return [p.strip() for p in text.replace("，", ",").split(",") if p.strip()]


def _number(form: FormFields, key: str, errors: Errors, kind: type = float) -> Any:
    raw = _one(form, key)
    if not raw:
        return None
    try:
        return kind(raw)
    except ValueError:
        errors[key] = "not a number" if kind is float else "not a whole number"
        return None


def error_key(loc: Sequence[int | str]) -> str:
    """The form field that shows an error at ``loc`` in the spec."""
    head = str(loc[0]) if loc else "form"
    if head == "variants" and len(loc) >= 3:
        return f"variant_{'script' if loc[2] == 'script_id' else loc[2]}_{loc[1]}"
    if head == "audience":
        if len(loc) >= 3 and loc[1] == "filter" and str(loc[2]) in FIELD_KEYS:
            return str(loc[2])
        return "audience"
    if head == "window":
        sub = str(loc[1]) if len(loc) > 1 else "hours"
        return {"weekdays": "weekdays", "holiday_calendar": "holiday_calendar"}.get(sub, "hours")
    if head == "pacing":
        return str(loc[1]) if len(loc) > 1 and str(loc[1]) in FIELD_KEYS else "form"
    if head in ("script_id", "language"):
        return "script"
    if head == "retry":
        return "retry"
    return head if head in FIELD_KEYS else "form"


def spec_from_form(
    form: FormFields, default_tz: str
) -> tuple[CampaignSpec | None, dict[str, Any], Errors]:
    """The spec (or None), the data it was built from, and the errors by field."""
    errors: Errors = {}
    script_id, _, language = _one(form, "script").partition("|")
    variants = []
    for i in range(VARIANT_ROWS):
        name = _one(form, f"variant_name_{i}")
        if not name:
            continue
        weight = _number(form, f"variant_weight_{i}", errors)
        v: dict[str, Any] = {"name": name, "weight": 1.0 if weight is None else weight}
        if _one(form, f"variant_script_{i}"):
            v["script_id"] = _one(form, f"variant_script_{i}")
        variants.append(v)
    flt: dict[str, Any] = {}
    for key in ("star_min", "star_max"):
        n = _number(form, key, errors, int)
        if n is not None:
            flt[key] = n
    for key in ("branches",):
        if _csv(_one(form, key)):
            flt[key] = _csv(_one(form, key))
    for key in ("tags_all", "tags_none"):
        if _csv(_one(form, key)):
            flt[key] = _csv(_one(form, key))
    hours = []
    for i in (1, 2):
        a, b = _one(form, f"hours_{i}_start"), _one(form, f"hours_{i}_end")
        if a and b:
            hours.append((a, b))
        elif a or b:
            errors["hours"] = "give both the start and the end"
    thresholds: dict[str, float] = {}
    for key, name in (("t_live_handoff", "live_handoff"), ("t_grade_a", "grade_a"),
                      ("t_grade_b", "grade_b"), ("t_grade_c", "grade_c")):  # fmt: skip
        n = _number(form, key, errors)
        if n is not None:
            if not 0 <= n <= 100:
                errors[key] = "0 to 100"
            thresholds[name] = round(n / 100, 4)
    rules: dict[str, Any] = {}
    for o in RETRY_OUTCOMES:
        n = _number(form, f"retry_{o}", errors, int)
        delay = _number(form, f"retry_{o}_delay", errors)
        if n is not None:
            rules[o] = {"max_retries": n, "delay_minutes": delay} if n else {"max_retries": 0}
    start_at = None
    if _one(form, "start_at"):
        try:
            start_at = datetime.fromisoformat(_one(form, "start_at")).replace(
                tzinfo=ZoneInfo(default_tz)
            )
        except ValueError:
            errors["start_at"] = "not a date and time"
    data: dict[str, Any] = {
        "name": _one(form, "name"),
        "script_id": script_id,
        "language": language or "zh-CN",
        "caller_id": _one(form, "caller_id"),
        "variants": variants,
        "audience": {
            "list_ids": [n for x in _many(form, "list_ids") if (n := row_id(x)) is not None],
            **({"filter": flt} if flt else {}),
        },
        "window": {
            "weekdays": [n for x in _many(form, "weekdays") if (n := row_id(x)) is not None],
            "hours": hours,
            "holiday_calendar": _one(form, "holiday_calendar") or None,
        },
        "pacing": {
            k: v
            for k, v in (
                ("max_concurrent", _number(form, "max_concurrent", errors, int)),
                ("calls_per_second", _number(form, "calls_per_second", errors)),
            )
            if v is not None
        },
        "retry": {"rules": rules},
        "thresholds": thresholds or {"live_handoff": 0.8, "follow_up": 0.5},
        "live_handoff": _one(form, "live_handoff") in ("on", "true", "1"),
        "handoff_skill": _one(form, "handoff_skill") or None,
        "start_at": start_at,
    }
    try:
        spec = CampaignSpec.model_validate(data)
    except ValidationError as exc:
        for e in exc.errors():
            errors.setdefault(error_key(e["loc"]), str(e["msg"]).removeprefix("Value error, "))
        return None, data, errors
    return (None if errors else spec), data, errors


def form_from_spec(spec: CampaignSpec, default_tz: str) -> dict[str, str | list[str]]:
    """The form's fields for ``spec`` (an imported YAML file, or a copy)."""
    out: dict[str, str | list[str]] = {
        "name": spec.name,
        "script": f"{spec.script_id}|{spec.language}",
        "caller_id": spec.caller_id,
        "list_ids": [str(i) for i in spec.audience.list_ids],
        "weekdays": [str(d) for d in spec.window.weekdays],
        "holiday_calendar": spec.window.holiday_calendar or "",
        "max_concurrent": str(spec.pacing.max_concurrent),
        "calls_per_second": str(spec.pacing.calls_per_second),
        "live_handoff": "on" if spec.live_handoff else "",
        "handoff_skill": spec.handoff_skill or "",
    }
    for i, v in enumerate(spec.variants[:VARIANT_ROWS]):
        out[f"variant_name_{i}"] = v.name
        out[f"variant_weight_{i}"] = f"{v.weight:g}"
        out[f"variant_script_{i}"] = v.script_id or ""
    f = spec.audience.filter
    if f is not None:
        out["star_min"] = "" if f.star_min is None else str(f.star_min)
        out["star_max"] = "" if f.star_max is None else str(f.star_max)
        out["branches"] = ", ".join(f.branches or [])
        out["tags_all"] = ", ".join(f.tags_all)
        out["tags_none"] = ", ".join(f.tags_none)
    for i, (a, b) in enumerate(spec.window.hours[:2], start=1):
        out[f"hours_{i}_start"], out[f"hours_{i}_end"] = _hm(a), _hm(b)
    for key, name in (("t_live_handoff", "live_handoff"), ("t_grade_a", "grade_a"),
                      ("t_grade_b", "grade_b"), ("t_grade_c", "grade_c")):  # fmt: skip
        if name in spec.thresholds:
            out[key] = f"{spec.thresholds[name] * 100:g}"
    for o in RETRY_OUTCOMES:
        rule: RetryRule = spec.retry.rule(o)
        out[f"retry_{o}"] = str(rule.max_retries)
        out[f"retry_{o}_delay"] = f"{rule.delay_minutes:g}" if rule.delay_minutes else ""
    if spec.start_at is not None:
        local = spec.start_at.astimezone(ZoneInfo(default_tz))
        out["start_at"] = local.strftime("%Y-%m-%dT%H:%M")
    return out


def _hm(t: time) -> str:
    return t.strftime("%H:%M")


def default_form() -> dict[str, str | list[str]]:
    """A new campaign's form: the spec's defaults, variants A and B at equal weight."""
    spec = CampaignSpec(
        name="-",
        script_id="-",
        caller_id="---",
        audience=AudienceSpec(list_ids=[1]),
        variants=[VariantSpec(name="A"), VariantSpec(name="B")],
        thresholds={"live_handoff": 0.8, "grade_a": 0.75, "grade_b": 0.5, "grade_c": 0.25},
    )
    out = form_from_spec(spec, "UTC")
    out.update(name="", script="", caller_id="", list_ids=[])
    return out
