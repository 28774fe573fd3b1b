"""A call for a purpose (``scripts.optout_zh_scope.recurring_purpose_forbidden``): forbidden
again or for reminders it refuses that series of calls; "no need to call to confirm" stays
this one call."""

from __future__ import annotations

import pytest

from scripts.optout import OptOutMatcher


@pytest.fixture(scope="module")
def matcher() -> OptOutMatcher:
    return OptOutMatcher("zh-CN")


@pytest.mark.parametrize(
    "text",
    [
        "别再打电话提醒我积分了",  # forbidden again
        "积分不要再打电话提醒了",
        "别打电话提醒我鸡分了",  # reminders come as a series of calls
        "你们别打电话通知我这些了",
        "不要再打电话提醒我账户的事了",
    ],
)
def test_forbidden_purpose_call_is_opt_out(matcher: OptOutMatcher, text: str) -> None:
    assert matcher.match(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "不用打电话提醒我了",  # no need: this call's purpose
        "不用给我打电话确认了",
        "别打电话确认了，我收到了",  # this one confirmation
        "今天别打电话提醒我了",  # today only
        "不用再打电话提醒我了，我已经换好了",  # done already
    ],
)
def test_one_purpose_call_stays_other(matcher: OptOutMatcher, text: str) -> None:
    assert matcher.match(text) is None
