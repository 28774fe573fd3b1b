"""Conversation cues (``dialogue.intent.cues``): Korean refusals said bluntly."""

from __future__ import annotations

import pytest

from dialogue.intent.cues import cues


@pytest.mark.parametrize(
    ("text", "blunt"),
    [
        ("관심 없다니까요 끊을게요", True),
        ("아 됐고요 포인트 그런 거 안 써요 끊어요", True),
        # a polite no is neither negative nor blunt
        ("아니요 안 써요 감사합니다", False),
    ],
)
def test_a_curt_korean_no_is_blunt(text: str, blunt: bool) -> None:
    c = cues(text, "ko-KR")
    assert c.negative is blunt and c.blunt is blunt


@pytest.mark.parametrize("text", ["그런 거 안 써요", "안 할래요", "안 들을래요"])
def test_korean_not_using_or_doing_is_negative(text: str) -> None:
    assert cues(text, "ko-KR").negative
