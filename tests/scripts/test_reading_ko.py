"""Korean replies read by rule: question backs, "who is calling?", "it's me, <name>" and a
family member named as the one asked for."""

from __future__ import annotations

import pytest

from scripts.reading_ko import asks_who_calls, names_relative, names_self, question_back


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
        # 네 said as yes, then a question about the offer: it confirms first
        "네 본인인데요 카드 포인트요?",
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


@pytest.mark.parametrize(
    "text",
    [
        "누구세요?",
        "누구 세여",
        "누구신데요",
        "실례지만 누구시죠",
        "네? 누구요?",
        "누구시라고요?",
        "어디 세요",
        "어디서 전화하신 거예요?",
        "저기 어느 은행이요?",
        "전화하신 분 누구세요",
    ],
)
def test_asks_who_calls(text: str) -> None:
    assert asks_who_calls(text)


@pytest.mark.parametrize(
    "text",
    [
        # yes first, then who: a confirmation
        "맞는데요 누구세요",
        # looking for someone else: a wrong person
        "누구 찾으세요? 저 아닌데",
        # where in the app, whose name
        "앱 어디 들어가요?",
        "어디서 바꾸는데여",
        "포인트 몰은 어디예요",
        "누구 이름이라고요?",
    ],
)
def test_not_asks_who_calls(text: str) -> None:
    assert not asks_who_calls(text)


@pytest.mark.parametrize(
    "text",
    [
        "남편이 운전하고 있어서 제가 받았어요",
        "아빠가 운전 중 이라 제가 바다써요",
        "저 와이프예요 남편이 운전 중이라",
        "엄마는 지금 주무세요",
        "우리아들이 학교 갔어요",
        "아버지께서 지금 안 계세요",
    ],
)
def test_names_relative(text: str) -> None:
    assert names_relative(text)


@pytest.mark.parametrize(
    "text",
    [
        # the speaker is busy, the relation is an object or a companion
        "제가 운전 중이라서요",
        "제가 아들 데리러 가는 중이라",
        "남편이랑 얘기해 볼게요",
        # inside another word
        "유형이 뭐예요",
        # the customer, handed the phone by a relative
        "네 맞아요 남편이 바꿔 줬어요",
    ],
)
def test_not_names_relative(text: str) -> None:
    assert not names_relative(text)
