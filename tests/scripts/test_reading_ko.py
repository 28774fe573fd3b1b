"""Korean replies read by rule: question backs and "it's me, <name>"."""

from __future__ import annotations

import pytest

from scripts.reading_ko import names_self, question_back


@pytest.mark.parametrize(
    "text",
    [
        "네?",
        "네? 포인트요?",
        "네 네 뭐요",
        "뭐라고 하셨어요?",
        "머라구요",
        "다시 말씀해 주세요",
        "잘 못 드러써요",
        "잘 안 들려여 다시 말해 주세요",
        "몇 점이라고요?",
        "네? 다들 통화 중이라고요?",
        "무슨 포인트요?",
        "누구시라고요?",
    ],
)
def test_a_question_back(text: str) -> None:
    assert question_back(text)


@pytest.mark.parametrize(
    "text",
    [
        "네",
        "네 알려 주세요",
        # questions about the offer, not back at the prompt
        "뭐 눌러야 돼요?",
        "무슨 버튼 눌러야 돼요?",
        "사은품은 뭐 있어요?",
        # 안 드러왔어요 is "has not come in", not "did not hear"
        "환불이 아직 안 드러왔어요",
        # reported speech without a question mark is insisting, not asking
        "관심 없다고요",
        "다시 한번 전화 주세요",
        # a longer reply has room for an intent besides
        "잘 못 들었는데 상담원 좀 바꿔 주세요",
    ],
)
def test_not_a_question_back(text: str) -> None:
    assert not question_back(text)


@pytest.mark.parametrize(
    "text",
    [
        "제가 김민수인데요",
        "제가 최수진 인데요",
        "제가 이정훈인데 무슨 일로 전화하셨어요",
        "네 제가 박영희 맞습니다",
        "전 정하은이에요",
        "제가 남궁민인데요",
        "제가 그 사람 맞아요",
    ],
)
def test_names_self(text: str) -> None:
    assert names_self(text)


@pytest.mark.parametrize(
    "text",
    [
        # a relation is a relative answering
        "제가 아내인데요",
        "저 와이프예요 남편이 운전 중이라",
        "저는 딸이에요 엄마 지금 안 계세요",
        # no name: a place, a denial
        "저 지금 병원이에요 나중에요",
        "저는 김 씨가 아니라 최 씨예요",
        "저 그 사람 아니에요",
    ],
)
def test_not_names_self(text: str) -> None:
    assert not names_self(text)
