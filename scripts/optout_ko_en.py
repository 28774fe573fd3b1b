"""The opt-out rules of Korean and English (``scripts.optout`` holds Chinese and the matcher).

Korean is compared without spaces, after the recogniser's common respellings (저나 ->
전화, 열락 -> 연락, 세여 -> 세요); English by whole words. Each match gives the rule and the
words that made the reply an opt-out, as ``scripts.optout.OptOutHit`` reads them; each
negation rule that says a reply is *not* one is added to ``vetoes`` (the learned model is
not asked then). Pure, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from scripts.matching import normalize

Found = tuple[str, str]  # (rule, words)


# -- Korean: compared without spaces ---------------------------------------------------

# The recogniser's respellings -> the standard spelling (applied to the space-free text).
_KO_RESPELL: tuple[tuple[str, str], ...] = (
    ("전하하", "전화하"),
    ("전하세", "전화하세"),
    ("전하주", "전화주"),
    ("전하그", "전화그"),
    ("사저리", "사절이"),
    ("함니다", "합니다"),
    ("마라주", "말아주"),
    ("너어요", "넣어요"),
    ("저나", "전화"),
    ("열락", "연락"),
    ("세여", "세요"),
    ("삭재", "삭제"),
    ("번오", "번호"),  # ㅎ dropped after ㄴ, as 전화 -> 저나
    ("전와", "전화"),
    ("다시눈", "다시는"),
    ("지어주", "지워주"),
    ("지안", "지않"),
    ("치안아", "치않아"),
    ("십지", "싶지"),
    ("전하지마", "전화하지마"),  # 전하 하지: the normaliser folds the repeated 하
    ("허지마", "하지마"),  # dialect 허지 (전화허지 마유)
    ("허지말", "하지말"),
    ("주마레", "주말에"),  # a final ㅎ dropped (원하지 안습니다)
    ("고만하", "그만하"),  # dialect 고만 (전화 고만 하이소)
    ("고만해", "그만해"),
    ("두낫콜", "수신거부"),  # the do-not-call register
    ("두낫", "수신거부"),
    ("괜찬", "괜찮"),
    ("푸렀", "풀었"),
    ("페기", "폐기"),
    ("시른", "싫은"),
    ("시러요", "싫어요"),
    ("셧", "셨"),  # 안 주셧으면: the past honorific misspelt
)
_KO_CALL = (
    "전화",
    "연락",
    "통화",
    "문자",
    "걸어",
    "거세요",
    "거시",
    "걸지",
    "걸면",
    "걸지마",
    "걸라",
    "마케팅",
)
_KO_STOP = (
    "하지마",
    "하지말",
    "주지마",
    "주지말",
    "그만",
    "금지",
    "거절",
    "받기싫",
    "안받겠",
    "사절",
    "거부",
    "안하셨으면",
    "안했으면",
    "안주셨으면",
    "사양",
    "받고싶지않",
    "안받고싶",
    "안받을",
    "안받습",
    "안받아",
    "받지않",
    "원하지않",
    "원치않",
    "오지않",
    "전화마세요",  # the verb left out (not 끊지 마세요: don't hang up)
    "연락마세요",
    "전화마요",
    "연락마요",
    "전화말아",
    "연락말아",
    "수신안",  # 마케팅 정보 수신 안 할래요
    "끊어주",  # 연락 끊어 주세요 (not 전화 끊어: that is hanging up, see below)
    "막아주",  # 마케팅 전화 다 막아 주세요: the calls blocked
    "막아달",
)
# 걸다 is itself "to call" (이 번호 다시는 걸지 마세요), no call noun needed.
_KO_CALL_VERB_STOP = ("걸지마", "걸지말", "걸지않", "걸지좀마")
_KO_NOT_STOP = ("그만하셔도", "안주셔도", "안해주셔도", "안걸어도", "안하셔도")
# The customer denies having asked (걸지 말라고 한 적 없어요; the quotative 고, so not
# 동의한 적 없으니 연락 마세요, which denies the consent).
_KO_DENIAL = (
    "고한적없",
    "고한적이없",
    "고한적은없",
    "고한거아니",
    "고한게아니",
    "고말한적없",
    "거부한적없",
    "거부한적이없",
    "거절한적없",
)
# Complaints and blocking: about the calls unless another topic is named (민원 about a fee,
# 신고/차단 of a lost card).
_KO_COMPLAINT = ("신고", "민원", "차단", "고소", "고발", "소비자원", "금감원", "금융감독원")
# "I wish you would not call" (안 걸어 주셨으면, 전화 안 하시면 좋겠어요).
_KO_WISH_NOT = re.compile(
    r"안(?:걸어|해)?(?:주셨으면|주시면좋|하셨으면|하시면좋|했으면|왔으면|오면좋|오셨으면)"
)
_KO_STANDING = (
    "수신거부",
    "신고",
    "민원",
    "고소",
    "고발",
    "소비자원",
    "금감원",
    "금융감독원",
    "동의철회",
    "차단",
    "번호삭제",
    "번호지워",
    "번호빼",
    "목록에서빼",
    "스팸",
    "귀찮게하지마",
    "귀찮게안하",
    "귀찮게안했",
    "마케팅하지마",
    "영업하지마",
    "광고하지마",
)
# The marketing consent withdrawn (동의 철회, 활용 동의 취소해 주세요).
_KO_CONSENT = re.compile(r"동의(?:를|는|한거|한것)?(?:철회|취소|해지|거둘|거두|빼)")
# Another call threatened (또 전화하면 가만 안 둬요).
_KO_THREAT = re.compile(
    r"(?:또|다시|한번만더|한번더)(?:전화|연락)(?:하면|오면|하시면|주시면|걸면).*"
    r"(?:가만|경찰|각오|두고보|안둬|법적)"
)
# Fed up with the calls themselves (은행 전화 이제 지긋지긋해요, folded to 지긋; 전화 오는
# 것 자체가 싫어요; 이런 전화 질려요).
_KO_FED_UP = re.compile(
    r"(?:전화|연락)(?:가|도|이|은|는)?(?:이제)?지긋|(?:전화|연락)(?:오는|받는)(?:거|것|게)\w{0,4}싫"
    r"|(?:질려|질렸|지겨|지겹)\w{0,8}(?:전화|연락)|(?:전화|연락)\w{0,6}(?:질려|질렸|지겨|지겹)"
)
# A standing word that is not said of the calls: 스팸인 줄 알고 (counterfactual), 신고할 건
# 아니고 (denied), 민원 넣은 거 처리됐나요 (an earlier one asked about).
_KO_NOT_MEANT_AFTER = (
    "줄알",
    "줄았",
    "건아니",
    "거아니",
    "게아니",
    "생각은없",
    "안할",
    "하려던",
    "풀었",
    "풀어",
    "해제",
    "물어보",
)
_KO_STATUS = (
    "처리됐",
    "처리되었",
    "처리돼",
    "처리가",
    "접수됐",
    "접수되었",
    "진행상황",
    "어떻게됐",
    "지난번",
    "방법",
)
# Receiving refused on another channel (앱 푸시 수신 거부, 문자 수신 거부 ... 전화는 괜찮아요).
_KO_OTHER_CHANNEL = ("앱", "푸시", "알림", "문자", "메일", "우편", "카톡")
_KO_CALLS_WELCOME = (
    "전화는괜찮",
    "전화는주셔도",
    "전화는해도",
    "전화는상관없",
    "전화는돼",
)
# A call asked for, when no stop was read (다시 전화 주세요, 연락하실 때는 오후에 해 주세요).
_KO_CALL_ASKED = re.compile(
    r"(?:전화|연락|통화)(?:를|을|좀|는|은)?(?:다시)?(?:해)?(?:주세요|주시면|주시겠|주실래|줘요|해줘)"
    r"|(?:오후|오전|저녁|아침|낮|밤|주말|평일)에(?:는)?(?:전화|연락)?(?:해|하시|걸어)?(?:주세요|주시면)"
)

# Another line asked for (사무실로 전화하지 마시고 휴대폰으로 주세요; not 앞으로).
_KO_REDIRECT = re.compile(
    r"(?<!앞으)로(?:는)?(?:전화|연락)\w*?(?:마시고|말고).*?(?:로|한테|에게)"
    r"(?:주세요|해주세요|하세요|연락|전화|걸어)"
)
# A number replaced (예전 번호는 지워 주시고 이 번호로 연락 주세요; not 예전 번호로 하든 이
# 번호로 하든: either number).
_KO_OLD_NUMBER = re.compile(r"(?:예전|이전|옛날|전에쓰던|원래)번호")
_KO_THIS_NUMBER = re.compile(r"이번호로(?!\w{0,3}든)")
# 그마 for 그만, a final ㄴ dropped (not 그마저: "even that").
_KO_GEUMA = re.compile(r"그마(?![저만])")
# Spoken and dialect forms of the stop: 고만 (전화 고만 혀), 혀 for 해 after 그만, 셨음 for
# 셨으면 (연락 안 하셨음 해요).
_KO_SPOKEN = (
    (re.compile(r"고만(?=[하해혀허좀들])"), "그만"),
    (re.compile(r"그만(?:좀)?혀"), "그만해"),
    (re.compile(r"([셨했])음(?=[해좋합하])"), r"\1으면"),
)
_KO_REMOVE = ("삭제", "지워", "지우", "빼주", "제외", "파기", "폐기", "없애")
_KO_NUMBER = ("번호", "개인정보", "정보", "목록", "명단", "연락처")
# A time that scopes the request (오늘은 전화하지 마시고 내일): not an opt-out unless a
# lasting word widens it.
_KO_TEMPORARY = (
    "오늘",
    "지금",
    "내일",
    "나중",
    "이따",
    "오후",
    "오전",
    "저녁",
    "주말",
    "다음주",
    "밤에",
    "낮에",
    "아침",
    "점심",
    "새벽",
    "평일",
    "회의",
    "운전",
)
# Lasting or repeated: the request is not for one time (자꾸, 매번, 세 번째: the calls again
# and again).
_KO_LASTING = (
    "앞으로",
    "다시는",
    "다신",
    "절대",
    "더이상",
    "계속",
    "평생",
    "두번다시",
    "또",
    "자꾸",
    "매번",
    "맨날",
    "번째",
)
# 다시 right before the stop (다시 전화하지 마세요): "again", lasting.
_KO_AGAIN_STOP = re.compile(r"다시(?:는)?(?:전화|연락|통화)?(?:하지|걸지|주지)마")
# A time word that does not scope the request: widened by 도/마다/든 (내일도, 점심시간마다,
# 회의 중이든 아니든), denied (지금 바빠서가 아니라), or the time of a call the bank offered
# and the customer refuses (이따가 다시 건다고요? 걸지 마세요).
_KO_TIME_WIDENED = re.compile(r"(?:에|에는|시간|중|중에|중이|이)?(?:도|마다|든|이든)")
_KO_REPORTED = re.compile(r"(?:건|신|린|한|준|온)다(?:고|구|는)")
_KO_TIME_DENIED = re.compile(r"아니라|아니고")
# Lasting words strong enough to turn "you need not call" (안 주셔도 돼요) into a request.
_KO_FOR_GOOD = ("앞으로", "다시는", "다신", "더이상", "평생", "두번다시", "영원히")
# 민원 about a fee, 신고/차단 of a lost card: not about the calls, so not an opt-out.
_KO_OTHER_TOPICS = (
    "수수료",
    "카드",
    "직원",
    "지점",
    "이자",
    "연회비",
    "서비스",
    "앱",
    "결제",
    "오류",
    "이체",
    "송금",
)


def _ko_temporary(s: str) -> bool:
    """A time scopes the request (오늘은 전화하지 마시고 내일), unless a lasting word widens
    it or every time word is widened, denied or the time of the bank's offered call."""
    if any(t in s for t in _KO_LASTING) or _KO_AGAIN_STOP.search(s):
        return False
    for t in _KO_TEMPORARY:
        at = s.find(t)
        while at >= 0:
            rest = s[at + len(t) : at + len(t) + 16]
            if not (
                _KO_TIME_WIDENED.match(rest)
                or _KO_REPORTED.search(rest)
                or _KO_TIME_DENIED.search(rest[:10])
            ):
                return True
            at = s.find(t, at + len(t))
    return False


def _not_meant(s: str, word: str) -> bool:
    """``word`` is not said of the calls: counterfactual or denied right after it, an
    earlier complaint asked about, spam texts, or receiving refused on another channel."""
    at = s.index(word) + len(word)
    if any(m in s[at : at + 6] for m in _KO_NOT_MEANT_AFTER) or any(m in s for m in _KO_STATUS):
        return True
    if word == "스팸" and "문자" in s[at : at + 3]:
        return "전화" not in s
    if word == "수신거부":
        return any(c in s for c in _KO_OTHER_CHANNEL) and not any(
            c in s for c in ("전화", "연락", "통화", "마케팅", "광고")
        )
    return False


def ko_match(text: str, phrases: Sequence[str], vetoes: list[str]) -> Found | None:
    s = normalize(text, "ko-KR")
    for a, b in _KO_RESPELL:
        s = s.replace(a, b)
    s = _KO_GEUMA.sub("그만", s).replace("귀찮게좀", "귀찮게")
    for spoken, standard in _KO_SPOKEN:
        s = spoken.sub(standard, s)
    if "작작" in "".join(text.split()):  # 전화 좀 작작 하세요 (the normaliser folds 작작)
        s = s.replace("작", "그만", 1)
    if any(w in s for w in _KO_CALLS_WELCOME) and not any(w in s for w in _KO_DENIAL):
        vetoes.append("welcome")
        return None  # 문자 수신 거부하고 싶은데 전화는 괜찮아요
    for w in _KO_STANDING:
        if w in s:
            raw = "".join(text.split())  # the normaliser may drop a filler-like syllable
            if w in _KO_COMPLAINT and any(t in raw for t in _KO_OTHER_TOPICS) and "전화" not in s:
                vetoes.append("other_topic")
                continue
            if _not_meant(s, w):
                vetoes.append("not_meant")
                continue
            return ("standing_word", w)
    consent = _KO_CONSENT.search(s) or _KO_THREAT.search(s) or _KO_FED_UP.search(s)
    if consent is not None:
        return ("standing_word", consent.group(0))
    if _KO_REDIRECT.search(s) or (_KO_OLD_NUMBER.search(s) and _KO_THIS_NUMBER.search(s)):
        vetoes.append("redirected")
        return None
    if any(n in s for n in _KO_NUMBER) and any(
        r in s for r in (*_KO_REMOVE, "쓰지마", "쓰지말", "사용하지마", "안쓰셨으면", "안썼으면")
    ):
        return ("remove_number", s)
    temporary = _ko_temporary(s)
    if temporary:
        vetoes.append("temporary")
    if any(w in s for w in _KO_DENIAL) and not any(w in s for w in _KO_CALLS_WELCOME):
        vetoes.append("denial")  # (전화는 괜찮다고 한 적 없어요: the welcome is denied)
        return None
    # 그만 안 주셔도 돼요, and 전화 그만 끊을게요 (hanging up now)
    not_stop = (any(w in s for w in _KO_NOT_STOP) or "그만끊" in s) and not any(
        w in s for w in _KO_FOR_GOOD
    )
    if not_stop:
        vetoes.append("not_stop")
    if any(c in s for c in _KO_CALL) and not not_stop and not temporary:
        for w in _KO_STOP:
            if w in s and not (w == "끊어주" and "전화끊어" in s) and w + "서" not in s:
                return ("negated_call", w)  # (not 안 받아서 죄송해요: a reason told)
        wish = _KO_WISH_NOT.search(s)
        if wish is not None:
            return ("negated_call", wish.group(0))
        if any(w in s for w in _KO_NOT_STOP):
            return ("negated_call", "for_good")  # 다시 연락 안 주셔도 돼요. 앞으로도요
    if not temporary:
        for w in _KO_CALL_VERB_STOP:
            if w in s:
                return ("negated_call", w)
    for p in phrases:
        if p and p in s:
            return ("phrase", p)
    if _KO_CALL_ASKED.search(s):
        vetoes.append("call_asked")  # 연락하실 때는 오후에 해 주세요: a call asked for
    elif any(w in s for w in ("끊지마", "끊지말", "끈지마", "끈지말")):
        vetoes.append("hold_on")  # 전화 끊지 마세요, 확인할게요: the call is to go on
    return None


# -- English: whole words ---------------------------------------------------------------

_EN = re.compile(
    r"\b(?:(?:do not|dont|never|stop|quit) (?:\w+ ){0,3}?(?:call|calling|ring|ringing|"
    r"phone|phoning|contact|contacting)|take me off|remove (?:\w+ ){0,2}?(?:number|me)|"
    r"unsubscribe|opt (?:me )?out|do not call list|no more calls|harass\w*|report you|"
    r"complain\w*)\b"
)
_EN_TEMPORARY = re.compile(r"\b(?:today|right now|now|this week|at work|call (?:me )?back)\b")
_EN_LASTING = re.compile(r"\b(?:again|ever|anymore|any more|never)\b")


def en_match(text: str, phrases: Sequence[str]) -> Found | None:
    s = normalize(text.replace("'", "").replace("\u2019", ""), "en-US")
    m = _EN.search(s)
    if m is not None:
        if _EN_TEMPORARY.search(s) and not _EN_LASTING.search(s):
            return None
        return ("negated_call", m.group(0))
    for p in phrases:
        if p and re.search(r"\b" + re.escape(p) + r"\b", s):
            return ("phrase", p)
    return None
