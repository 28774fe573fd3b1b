"""Parsing of call-list cell values into customer fields (pure)."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from dialer.lists.reasons import reason
from kernel import customer_attrs
from kernel.zones import is_zone

_CN_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}
_TAG_SPLIT = re.compile(r"[,，;；|、/\s]+")
_INT = re.compile(r"-?\d+")
_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*(万|w|亿|k|m)?", flags=re.IGNORECASE)
_AUM_UNITS = {
    "万": Decimal(10_000),
    "w": Decimal(10_000),
    "亿": Decimal(100_000_000),
    "k": Decimal(1_000),
    "m": Decimal(1_000_000),
}
AUM_BANDS = customer_attrs.AUM_BANDS
TOP_BAND = customer_attrs.TOP_AUM_BAND


class FieldError(ValueError):
    """A cell that cannot be read as its field; ``field`` names it, ``reason`` is the
    report's code and parameters (the cell quoted unless it is the customer number)."""

    def __init__(self, field: str, message: str, code: str, value: str | None = None) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = reason(code, f"{field}: {message}", field=field, value=value)


def clean(text: str) -> str:
    if text.isascii():
        return text.strip()
    return unicodedata.normalize("NFKC", text).strip()


def parse_int(field: str, text: str) -> int:
    t = clean(text).replace(",", "").replace(" ", "")
    if t.endswith(".0"):
        t = t[:-2]
    if not _INT.fullmatch(t):
        raise FieldError(field, "not a whole number", "not_whole_number", text)
    value = int(t)
    if value < 0:
        raise FieldError(field, "negative", "negative", text)
    return value


def parse_star(text: str) -> int:
    t = clean(text).replace("星级", "").replace("星", "").replace("级", "").strip()
    t = t.lower().removeprefix("v").removeprefix("lv").strip()
    if t in _CN_DIGITS:
        value = _CN_DIGITS[t]
    elif t.isdigit():
        value = int(t)
    else:
        raise FieldError("star_level", "not a star level (0-10)", "not_star_level", text)
    if not 0 <= value <= 10:
        raise FieldError("star_level", "out of range 0-10", "star_out_of_range", text)
    return value


def parse_aum(text: str) -> tuple[str, Decimal | None]:
    """A band label; numbers ("123456", "12.5万") are bucketed and returned as well."""
    t = clean(text).replace(",", "").replace("元", "").replace("¥", "").strip()
    m = _AMOUNT.fullmatch(t)
    if not m:
        if len(t) > 32:
            raise FieldError("aum", "band label longer than 32 characters", "band_too_long", t)
        return customer_attrs.canonical_band(t), None
    try:
        amount = Decimal(m.group(1)) * _AUM_UNITS.get((m.group(2) or "").lower(), Decimal(1))
    except InvalidOperation as exc:
        raise FieldError("aum", "not an amount", "not_amount", text) from exc
    return customer_attrs.aum_band(amount), amount


def parse_tags(text: str) -> list[str]:
    return [t for t in _TAG_SPLIT.split(clean(text)) if t]


def parse_timezone(text: str) -> str:
    t = clean(text)
    if not is_zone(t):
        raise FieldError("timezone", "not an IANA time zone", "unknown_timezone", t)
    return t


def customer_values(raw: dict[str, str]) -> dict[str, Any]:
    """Customer columns from mapped cell texts; empty cells are left out."""
    out: dict[str, Any] = {}
    attrs: dict[str, Any] = {}
    for field, text in raw.items():
        if not text or not text.strip():
            continue
        if field == "name":
            out["name"] = clean(text)[:100]
        elif field == "external_id":
            value = clean(text)
            if len(value) > 64:
                raise FieldError("external_id", "longer than 64 characters", "too_long")
            out["external_id"] = value
        elif field == "points":
            out["points"] = parse_int("points", text)
        elif field == "star_level":
            out["star_level"] = parse_star(text)
        elif field == "aum":
            band, amount = parse_aum(text)
            out["aum_band"] = band
            if amount is not None:
                attrs["aum"] = float(amount)
            segment = customer_attrs.segment_of_band(band)
            if segment is not None:
                attrs.setdefault("segment", segment)
        elif field == "branch":
            out["branch"] = clean(text)[:100]
        elif field == "tags":
            out["tags"] = parse_tags(text)
        elif field == "timezone":
            out["timezone"] = parse_timezone(text)
    if attrs:
        out["attributes"] = attrs
    return out
