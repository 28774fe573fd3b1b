"""The Korean and English opt-out rules (``scripts.optout_ko_en``) alone, without a model."""

from __future__ import annotations

import pytest

from scripts.optout_ko_en import en_match, ko_match


@pytest.mark.parametrize(
    "text",
    [
        "다시는 전화하지 마세요",
        "앞으로 열락하지 마세여",
        "제 번호 삭제해 주세요",
        "수신거부 할게요",
    ],
)
def test_korean_opt_outs_match(text: str) -> None:
    assert ko_match(text, [], []) is not None


def test_korean_temporary_request_is_vetoed() -> None:
    vetoes: list[str] = []
    assert ko_match("오늘은 전화하지 마시고 내일 주세요", [], vetoes) is None
    assert vetoes == ["temporary"]


def test_english_lasting_request_matches_and_temporary_does_not() -> None:
    assert en_match("please don't call me again", []) is not None
    assert en_match("don't call me right now, I'm at work", []) is None
