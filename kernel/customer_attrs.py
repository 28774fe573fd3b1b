"""The customer attributes the subsystems share: segments, star levels, AUM bands, tags.

One vocabulary for the call-list importer (which writes them), the simulator's synthetic
population (which draws them) and the intent scorer's profile features (which read them):
a customer imported from a bank's list gets exactly the feature names the shipped scoring
models were fitted on. Pure, no I/O.
"""

from __future__ import annotations

from decimal import Decimal

# AUM bands as the bank's segments name them (CNY): (upper limit, label), then the top band.
AUM_BANDS: tuple[tuple[Decimal, str], ...] = (
    (Decimal(50_000), "<5万"),
    (Decimal(500_000), "5万-50万"),
    (Decimal(6_000_000), "50万-600万"),
)
TOP_AUM_BAND = "600万+"
AUM_BAND_LABELS: tuple[str, ...] = (*(label for _, label in AUM_BANDS), TOP_AUM_BAND)

# Segments follow the AUM bands (mass retail, mass affluent, affluent, private banking).
SEGMENTS: tuple[str, ...] = ("mass", "mass_affluent", "affluent", "private")
_SEGMENT_OF_BAND: dict[str, str] = dict(zip(AUM_BAND_LABELS, SEGMENTS, strict=True))

# Star levels (the bank's customer grading): 0 unrated, 1..7.
STAR_MIN = 0
STAR_MAX = 7

# Behaviour and product tags the bank's CRM exports (app browsing, holdings, lifecycle).
TAGS: tuple[str, ...] = (
    "浏览理财产品",
    "理财未购买",
    "积分即将过期",
    "手机银行未激活",
    "沉睡客户",
    "基金浏览",
    "信用卡持卡",
    "代发工资",
    "近期登录",
    "积分兑换浏览",
)

# Other ways bank exports write the band labels -> the label.
_BAND_ALIASES: dict[str, str] = {
    "5万以下": "<5万",
    "0-5万": "<5万",
    "5-50万": "5万-50万",
    "50-600万": "50万-600万",
    "600万以上": "600万+",
    ">=600万": "600万+",
    ">600万": "600万+",
}


def aum_band(amount: Decimal | float | int) -> str:
    """The band label of an amount in CNY."""
    value = Decimal(str(amount))
    for limit, label in AUM_BANDS:
        if value < limit:
            return label
    return TOP_AUM_BAND


def canonical_band(label: str) -> str:
    """A band label as the vocabulary writes it (aliases such as ``5-50万`` mapped; spaces
    and a trailing 元 ignored); an unknown label is returned unchanged."""
    t = label.replace(" ", "").removesuffix("元")
    if t in AUM_BAND_LABELS:
        return t
    return _BAND_ALIASES.get(t, label)


def segment_of_band(band: str | None) -> str | None:
    """The segment an AUM band belongs to (None for an unknown band)."""
    if band is None:
        return None
    return _SEGMENT_OF_BAND.get(canonical_band(band))


def clamp_star(level: int | None) -> int | None:
    """A star level within the vocabulary's range (higher grades of other banks' scales
    count as the top level)."""
    if level is None:
        return None
    return max(STAR_MIN, min(STAR_MAX, level))
