"""Reading promised returns and guarantees by meaning, with negation."""

from __future__ import annotations

import pytest

from scripts.promises import disclaims, find_promises

PROMISES = [
    ("肯定不会亏、年化百分之八", "zh-CN", {"no_loss", "stated_return"}),
    ("这款产品保本保息", "zh-CN", {"guarantee"}),
    ("收益稳定在年化4%左右", "zh-CN", {"stated_return"}),
    ("年化收益有百分之五呢，妥妥的", "zh-CN", {"stated_return"}),
    ("我保证年化至少4个点", "zh-CN", {"stated_return"}),
    ("放心买，亏不了", "zh-CN", {"no_loss"}),
    ("这个基本上零风险", "zh-CN", {"no_loss"}),
    ("本金有保障，闭眼买就行", "zh-CN", {"guarantee"}),
    ("It offers a guaranteed return of 5% a year", "en-US", {"guarantee", "stated_return"}),
    ("This plan is risk-free", "en-US", {"no_loss"}),
    ("원금 보장되는 상품입니다", "ko-KR", {"guarantee"}),
]

DISCLAIMERS = [
    ("本产品不保本", "zh-CN"),
    ("理财有风险，投资需谨慎", "zh-CN"),
    ("过往业绩不代表未来表现", "zh-CN"),
    ("我们不能保证收益", "zh-CN"),
    ("理财产品并不是没有风险", "zh-CN"),
    ("业绩比较基准年化3.5%，不代表实际收益", "zh-CN"),
    ("不保证年化4%的收益", "zh-CN"),
    ("风险等级R2，不承诺保本", "zh-CN"),
    ("这个产品期限三个月，起购一万元", "zh-CN"),
    ("Returns are not guaranteed", "en-US"),
    ("원금이 보장되지 않습니다", "ko-KR"),
]


@pytest.mark.parametrize(("text", "language", "kinds"), PROMISES)
def test_promises_are_found_in_any_wording(text: str, language: str, kinds: set[str]) -> None:
    assert {p.kind for p in find_promises(text, language)} == kinds


@pytest.mark.parametrize(("text", "language"), DISCLAIMERS)
def test_disclaimers_and_plain_facts_are_not_promises(text: str, language: str) -> None:
    assert find_promises(text, language) == []


def test_a_word_said_only_under_a_negation_is_disclaimed() -> None:
    assert disclaims("本产品不保本", "保本")
    assert not disclaims("保本产品，不保证收益", "保本")
    assert not disclaims("没有这个词", "保本")


def test_the_finding_names_the_clause() -> None:
    (p,) = find_promises("您好。这款产品稳赚，需要吗？")
    assert p.clause == "这款产品稳赚" and "guarantees" in str(p)
