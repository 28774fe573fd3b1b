"""Korean replies read by rule: a relation as the speaker, a deferral, "how did you get my
number?", an OK that is no yes to being put through, "who? I don't know them" and the
answer to a connection announced."""

from __future__ import annotations

import pytest

from scripts.reading_ko import (
    answers_connection,
    asks_who_calls,
    defers,
    names_self_relation,
    not_put_through,
    without_number_question,
)


@pytest.mark.parametrize(
    ("text", "relative"),
    [
        ("아니요 저는 와이프인데요", True),
        ("제가 그 사람 남편인데 무슨 일이에요", True),
        ("아 저 딸이에요 엄마 바꿔 드릴까요?", True),
        ("전 아들인데요", True),
        ("제가 김민수인데요", False),
        ("저희 어머니 폰인데요", False),
        ("네 제가 본인이에요", False),
    ],
)
def test_a_relation_as_the_speaker(text: str, relative: bool) -> None:
    assert names_self_relation(text) is relative


@pytest.mark.parametrize(
    ("text", "deferred"),
    [
        ("음 그거 남편이랑 상의해 보고 할게요", True),
        ("생각 좀 해 보구요", True),
        ("와이프한테 물어보고 할게", True),
        ("생가해 볼게요", True),
        # thinking done, a no said with it, a wish to talk to someone
        ("생각해 보니까 필요 없겠네요", False),
        ("아니요 생각해 볼 것도 없어요", False),
        ("상담원이랑 얘기해 보고 싶어요", False),
    ],
)
def test_a_deferral(text: str, deferred: bool) -> None:
    assert defers(text) is deferred


def test_how_did_you_get_my_number_is_taken_out() -> None:
    rest = without_number_question(
        "아니 근데 진짜 카드사 맞아요? 내 번호 어떻게 알았어요? 됐어요 끊어요"
    )
    assert rest is not None and "번호" not in rest and "됐어요 끊어요" in rest
    assert without_number_question("제 번호 어디서 났어요?") == ""
    assert without_number_question("앱에서 어떻게 해요?") is None
    # how to get a password or a card number is a how-to
    assert without_number_question("비밀번호 어떻게 받아요?") is None
    assert without_number_question("카드번호 어디서 알 수 있어요?") is None


@pytest.mark.parametrize(
    ("text", "declines"),
    [
        ("네 알겠어요 한번 볼게요 나중에", True),
        ("네 이따 집에 가서 해 볼게요", True),
        ("아 네 알겠습니다 수고하세요", True),
        ("지금 애 보느라 정신이 없어서 주말에 할게요", True),
        ("네 지금 할게요", False),
        ("나중에 할인 되는 거예요?", False),
        ("이따 저녁에 해 보겠습니다", True),
        ("네 나중에 전화 주세요", False),
        ("네 연결해 주세요", False),
        ("네 지금 바로 할게요", False),
    ],
)
def test_an_ok_that_is_no_yes_to_a_person(text: str, declines: bool) -> None:
    assert not_put_through(text) is declines


@pytest.mark.parametrize("text", ["누구요? 그런 분 모르는데", "누구요? 잘못 거셨어요"])
def test_who_with_i_do_not_know_them_asks_nothing_of_the_caller(text: str) -> None:
    assert not asks_who_calls(text)
    assert asks_who_calls("누구세요?")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("연결하지 마세여", "decline"),
        ("아 잠깐만요 연결 안 해도 돼요", "decline"),
        ("취소해 주세요", "decline"),
        ("네 기다릴게요", "wait"),
        ("안 기다릴래요", None),
        ("다시는 전화하지 마세요", None),
        ("연결하지 말고 전화번호 지워요", None),
    ],
)
def test_the_answer_to_a_connection(text: str, said: str | None) -> None:
    assert answers_connection(text) == said
