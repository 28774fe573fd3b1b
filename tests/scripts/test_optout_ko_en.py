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


@pytest.mark.parametrize(
    "text",
    [
        "그 번호로 다시는 걸지 마세요",  # 걸다 is itself "to call"
        "광고 전화는 받지 않아요",
        "연락 원치 않아요",
        "앞으로는 연락 안 주셔도 됩니다 영원히요",  # "need not" made lasting
        "제 정보 삭재해 주세요",  # the recogniser's 삭재
        "이제 연락 끊어 주세요",
        "마케팅 동의 철회합니다",
        "그만 좀 거세요",  # 걸다 with 그만
        "개인정보 파기해 주세요",
        "또 그러면 소비자원에 고발할 거예요",
        "제 번호로는 안 걸어 주셨으면 해요",
        "수신 동의한 적 없으니 전화 마세요",  # a denied consent, not a denied request
        "다신 안 걸어도 돼요 이 번호",  # "need not call" made lasting
        "보험 전화 정중히 거절할게요",
        "제 번오 지워 주세여",  # the recogniser's 번오 (ㅎ dropped), 세여
        "저나 좀 그마 하세요",  # 그마: a final ㄴ dropped
        "마케팅 활용 동의 취소해 주세요",  # consent withdrawn
        "전화 고만 하이소",  # dialect 고만
        "또 전화하면 가만 안 둬요",  # another call threatened
        "두낫콜 신청할 거예요",  # the do-not-call register
        "통화 원하지 안습니다",  # a final ㅎ dropped
        "제 번호 어디서 났어요 당장 지우세요",
    ],
)
def test_korean_wordings_of_no_more_calls(text: str) -> None:
    assert ko_match(text, [], []) is not None


@pytest.mark.parametrize(
    "text",
    [
        "전화 끊지 마세요 물어볼 게 있어요",  # don't hang up
        "전화 끊어 주세요 지금 바빠요",  # hang up
        "다시 전화 안 주셔도 돼요 제가 할게요",  # need not call back
        "아침에는 전화하지 마세요 오후는 괜찮아요",  # a time scopes it
        "전화 주셨으면 좋겠어요",  # a call wished for
        "연락하지 말라고 한 적 없어요",  # the customer denies having asked
        "오늘은 안 걸어도 돼요",  # need not call today
        "연회비 때문에 금감원에 민원 넣을래요",  # a complaint about a fee
        "스팸인 줄 알고 안 받을 뻔했어요",  # counterfactual
        "신고할 건 아니고 그냥 물어본 거예요",  # denied
        "제가 민원 넣은 거 처리됐나요",  # an earlier complaint asked about
        "앱 푸시 수신 거부는 어떻게 해요",  # another channel
        "문자 수신 거부하고 싶은데 전화는 괜찮아요",  # calls welcome
        "사무실로 전화하지 마시고 휴대폰으로 주세요",  # another line
        "예전 번호는 지워 주시고 이 번호로 연락 주세요",  # a number replaced
        "전화 그만 끊을게요 수고하세요",  # hanging up now
        "수신 거부한 적 없는데 왜 문자가 안 와요",  # a refusal denied
        "금융감독원 민원 접수 방법이 궁금해요",  # asking how
    ],
)
def test_korean_replies_that_are_not_opt_outs(text: str) -> None:
    assert ko_match(text, [], []) is None


def test_korean_temporary_request_is_vetoed() -> None:
    vetoes: list[str] = []
    assert ko_match("오늘은 전화하지 마시고 내일 주세요", [], vetoes) is None
    assert vetoes == ["temporary"]


def test_english_lasting_request_matches_and_temporary_does_not() -> None:
    assert en_match("please don't call me again", []) is not None
    assert en_match("don't call me right now, I'm at work", []) is None


@pytest.mark.parametrize(
    "text",
    [
        "내일도 주말에도 전화하지 마세요",  # a time widened by 도
        "아침마다 전화 오는데 그만 하세요",  # 마다: every time
        "운전 중이든 아니든 연락하지 마세요",  # 든: regardless
        "지금 바빠서 그런 게 아니라 전화 받기 싫은 거예요",  # the time denied
        "이따 다시 전화 주신다고요? 주지 마세요",  # the bank's offered call refused
        "저녁에 자꾸 전화하시는데 하지 마세요",  # 자꾸: again and again
        "오늘만 네 번째예요, 전화하지 마세요",  # a count of calls
        "오늘은 됐고요, 다시 전화하지 마세요",  # 다시 right before the stop
        "전화는 괜찮다고 한 적 없는데요, 하지 마세요",  # the welcome denied
        "옛날 번호로든 이 번호로든 연락하지 마세요",  # either number
        "제 번호 이제 안 썼으면 좋겠어요",
        "카드사 전화도 이제 지긋지긋해요",
        "전화 받는 거 자체가 싫어요",
        "제 개인정보 폐기해 주세요",
        "이제 귀찮게 안 하셨으면 좋겠어요",
        "이제 이 번호로는 연락 안 하셨음 해요",  # 셨음: the spoken 셨으면
        "전화 좀 고만 혀 고만",  # dialect 고만 혀
        "앞으로 연락 안주셧으면 해요",  # 셧 for 셨
        "저 이 번호 마케팅 전화 다 막아 주세요",  # the calls blocked
        "전화 좀 작작 하세요",  # enough of it (the normaliser folds 작작)
        "진짜 질려요 이런 전화",  # fed up with the calls
    ],
)
def test_korean_time_and_welcome_vetoes_do_not_swallow_a_request(text: str) -> None:
    assert ko_match(text, [], []) is not None


@pytest.mark.parametrize(
    "text",
    [
        "아버지 번호로는 전화하지 마시고 저한테 하세요",  # another person's line
        "차단 풀었으니까 이제 전화 주셔도 돼요",  # the blocking reversed
        "전화는 괜찬은데 문자는 그만 보내 주세요",  # the respelled welcome
        "금감원에 물어보니까 문제없다던데요",  # the regulator asked, not threatened
        "앞으로 저한테 연락하실 때는 오후에 해 주세요",  # a call asked for (the model not asked)
        "다음에 다시 전화 주세요",
        "전화 끊지 마세요, 확인할게요",  # the call is to go on (the model not asked)
    ],
)
def test_korean_close_replies_keep_their_veto(text: str) -> None:
    vetoes: list[str] = []
    assert ko_match(text, [], vetoes) is None
    assert vetoes
