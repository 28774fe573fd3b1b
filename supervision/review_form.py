"""The review form (质检评分表): a checklist whose items carry points; pure.

The score is 100 minus the points of every item the reviewer marks failed. A posted form
names only known items with a pass/fail answer; anything else is refused naming the item.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kernel.errors import InvalidInput


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    points: float
    label_zh: str
    label_en: str


CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem(
        "disclosure", 20, "开场披露完整（身份、自动语音、录音）", "Opening disclosure complete"
    ),
    ChecklistItem("no_promise", 25, "无违规承诺（保本、保收益）", "No forbidden promise"),
    ChecklistItem("opt_out", 20, "客户拒绝后不再营销并登记", "Opt-out honoured"),
    ChecklistItem("accuracy", 15, "产品信息准确", "Product information accurate"),
    ChecklistItem("courtesy", 10, "礼貌用语、不打断客户", "Courteous, no talking over"),
    ChecklistItem("handoff", 10, "转人工及时、交接清楚", "Handoff timely and clear"),
)
_ITEMS = {i.key: i for i in CHECKLIST}


def score(answers: Mapping[str, bool]) -> float:
    """100 minus the points of the failed items (unanswered items count as passed)."""
    return 100.0 - sum(_ITEMS[k].points for k, ok in answers.items() if not ok)


def parse(raw: Mapping[str, object]) -> dict[str, bool]:
    """The checklist answers of a posted form: ``{key: true|false|"pass"|"fail"}``."""
    answers: dict[str, bool] = {}
    for key, value in raw.items():
        if key not in _ITEMS:
            raise InvalidInput(f"unknown checklist item {key!r}", where=f"checklist.{key}")
        if value in (True, "pass", "true", "1", "on"):
            answers[key] = True
        elif value in (False, "fail", "false", "0", "off"):
            answers[key] = False
        else:
            raise InvalidInput("answer must be pass or fail", where=f"checklist.{key}")
    return answers
