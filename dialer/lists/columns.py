"""Mapping of call-list headers (Chinese and English) to customer fields (pure).

Unknown columns are kept as customer attributes, usable as script variables under their
header name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from kernel.errors import InvalidInput

FIELDS = (
    "phone",
    "name",
    "external_id",
    "aum",
    "star_level",
    "branch",
    "tags",
    "points",
    "timezone",
)

SYNONYMS: dict[str, tuple[str, ...]] = {
    "phone": (
        "手机号",
        "手机号码",
        "手机",
        "电话",
        "电话号码",
        "联系电话",
        "联系方式",
        "移动电话",
        "phone",
        "mobile",
        "mobile_phone",
        "phone_number",
        "tel",
        "telephone",
        "cell",
    ),
    "name": ("姓名", "客户姓名", "客户名称", "名字", "name", "customer_name", "full_name"),
    "external_id": (
        "客户号",
        "客户编号",
        "客户id",
        "客户代码",
        "customer_id",
        "customer_no",
        "cust_id",
        "client_id",
        "id",
    ),
    "aum": ("资产", "aum", "资产规模", "金融资产", "aum_band", "资产等级", "资产区间"),
    "star_level": ("星级", "客户星级", "star", "star_level", "stars", "等级"),
    "branch": ("所属分行", "分行", "所属网点", "网点", "支行", "开户行", "branch", "branch_name"),
    "tags": ("标签", "客户标签", "tags", "tag", "app标签", "行为标签", "app_tags"),
    "points": ("积分", "积分余额", "可用积分", "points", "points_balance", "point"),
    "timezone": ("时区", "timezone", "time_zone", "tz"),
}


def _key(header: str) -> str:
    text = unicodedata.normalize("NFKC", header).strip().lower()
    return re.sub(r"[\s\-_:：()（）]", "", text)


_LOOKUP = {_key(s): f for f, names in SYNONYMS.items() for s in names}


@dataclass(frozen=True)
class ColumnMap:
    """Which column index feeds which field; the rest become attributes."""

    headers: tuple[str, ...]
    fields: dict[str, int]
    attributes: dict[str, int] = field(default_factory=dict)

    def describe(self) -> dict[str, str]:
        out = {f: self.headers[i] for f, i in self.fields.items()}
        out.update({f"attributes.{name}": self.headers[i] for name, i in self.attributes.items()})
        return out


def parse_overrides(specs: Sequence[str]) -> dict[str, str]:
    """``--map 'header=field'`` options into {header: field}."""
    out: dict[str, str] = {}
    for spec in specs:
        header, sep, target = spec.partition("=")
        if not sep or not header.strip() or not target.strip():
            raise InvalidInput(f"--map expects HEADER=FIELD, got {spec!r}", where="--map")
        target = target.strip()
        if target not in FIELDS and target != "ignore" and not target.startswith("attributes."):
            raise InvalidInput(
                f"unknown field {target!r}; use one of {', '.join(FIELDS)}, "
                "attributes.NAME or ignore",
                where="--map",
            )
        out[header.strip()] = target
    return out


def build_column_map(
    headers: Sequence[str], overrides: Mapping[str, str] | None = None
) -> ColumnMap:
    """Map a header row; raises naming the problem when no phone column is found."""
    cleaned = tuple(unicodedata.normalize("NFKC", h or "").strip() for h in headers)
    overrides = dict(overrides or {})
    unknown = [h for h in overrides if h not in cleaned]
    if unknown:
        raise InvalidInput(
            f"--map names a column the file does not have: {unknown[0]!r}", where="header row"
        )
    fields: dict[str, int] = {}
    attributes: dict[str, int] = {}
    for idx, header in enumerate(cleaned):
        if not header:
            continue
        target = overrides.get(header) or _LOOKUP.get(_key(header))
        if target == "ignore":
            continue
        if target is not None and target.startswith("attributes."):
            attributes[target.split(".", 1)[1]] = idx
        elif target is not None and target not in fields:
            fields[target] = idx
        else:
            attributes[header] = idx
    if "phone" not in fields:
        raise InvalidInput(
            "no phone column found; name it 手机号/电话/phone/mobile or use --map 'HEADER=phone'",
            where="header row",
            headers=list(cleaned),
        )
    return ColumnMap(headers=cleaned, fields=fields, attributes=attributes)


def find_column(headers: Sequence[str], field_name: str) -> int | None:
    """Index of the first header that maps to a field, or None."""
    for idx, header in enumerate(headers):
        if _LOOKUP.get(_key(header or "")) == field_name:
            return idx
    return None
