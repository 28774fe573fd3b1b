"""Korean replies read by rule where a classifier of character n-grams cannot generalise.

- A question back (``question_back``): the customer asks to hear it again (뭐라고요?, 네 뭐요,
  다시 말씀해 주세요, 잘 안 들려요) or echoes what was said as a question (네? 포인트요?,
  몇 점이라고요?, 통화 중이라고요?, 무슨 포인트요?). It is no intent: the words of an
  agreement (네, 주세요) are in it, but nothing is agreed to yet.
- "It's me, <name>" (``names_self``): 제가 김민수인데요, 저 최수진이에요 confirm who is
  speaking at the identity question; a name is different in every call, so no phrase and
  no n-gram can hold it. Not when the word is a relation (제가 아내인데요: a relative) or
  the reply denies (아닌데요).
- "Who is calling?" (``asks_who_calls``): 누구세요?, 어디서 전화하신 거예요?, 어느 은행이요?,
  누구시라고요? ask who is calling, which the script's ``is_robot`` answer says (who and
  why); "hello? say that again?" stays a question back, and "who? I don't know them"
  (누구요? 그런 분 모르는데) is a wrong person. Only when the reply opens with
  the question (after fillers): 맞는데요 누구세요 confirms first, 누구 찾으세요 is a wrong
  person, 앱 어디 들어가요 asks the way.
- A relation as the subject (``names_relative``): 남편이 운전 중이라 제가 받았어요, 엄마는
  지금 주무세요 at the identity question: a relative answered, whatever the one asked for
  is doing (운전 중 is the husband's, not the speaker's, so not busy).
- A relation as the speaker (``names_self_relation``): 저는 와이프인데요, 제가 그 사람
  남편인데, 아 저 딸이에요 at the identity question: a relative answered, whatever denial
  is said with it (아니요 저는 와이프인데요).
- A deferral (``defers``): the customer will think it over, talk it over with the family or
  look into it first (생각해 볼게요, 남편이랑 상의해 보고 할게요, 좀 알아보고요): no intent
  yet, neither a yes nor a complaint. Not thinking that is done (생각해 보니까 됐어요) nor a
  deferral said with a no (아니요 생각해 볼게요 declines).
- "How did you get my number?" (``without_number_question``): distrust of the caller, asked
  with 어떻게 but no how-to question and no wrong person; the rest of the reply is read.
- Not a yes to being put through (``not_put_through``), where agreeing puts the call
  through to a person: "OK, I'll look at it later myself" (네 알겠어요 나중에 볼게요, 이따
  집에 가서 해 볼게요) and "OK, goodbye" (네 알겠습니다 수고하세요) say 네 but decline the
  help; asking for the person or the callback in the same reply (나중에 전화 주세요,
  연결해 주세요) is a yes after all.
- The answer to "I'll put you through, please hold" (``answers_connection``): 연결하지
  마세요, 연결 안 해도 돼요, 취소해 주세요 decline the connection (not the calls: no call,
  number or lasting word), and 네 기다릴게요 waits for it (no decline).
All read the text as heard (spaces and a question mark are evidence) and its normalised
form (``scripts.matching.normalize``). Pure.
"""

from __future__ import annotations

import re

from scripts.matching import normalize

# Asking to hear it again, in the normalised text (no spaces): 뭐라고요, 머라구요, 다시
# 말씀해 주세요, 다시 한번 말해, 잘 안 들려요, 못 들었어요, 천천히 말해, 누구시라고요.
_REPEAT = re.compile(
    r"(뭐|머|모)라(고|구|하)"
    r"|다시(한번|한번만)?말(씀|해)"
    r"|(안|못)(들려|들리|드려|드리)"
    r"|못(들었|드러써|들어써|드렀)"
    r"|천천히말"
    r"|(누구|어디)(시)?라(고|구)"
    r"|(뭐|머)요$"
)
# Who is calling, in the normalised text: 누구/어디 with an honorific or copula ending
# (누구세요, 누구신데요, 누구시죠, 누구요, 어디세요, 어디시라고요; not 누구 찾으세요, 어디
# 들어가요), 어디서 전화/연락, which bank (어느/무슨 은행); at the start, after fillers.
_WHO_OPEN = re.compile(
    r"^(?:네|예|응|어|아|음|혹시|저기요|저기|실례지만|실례인데요|실례인데|죄송한데요|죄송한데"
    r"|근데|그런데|그러니까|여보세요|거기|그쪽|이거|이건)*"
    r"(?:누구(?:세|셔|신|시|십|요|야|냐|예|에|라)"
    r"|어디(?:세|셔|신|시|십|예요|에요|야|냐|라|서전화|에서전화|서연락|에서연락|서거|서온|서하)"
    r"|(?:어느|무슨|어디)은행)"
)
# "Who is calling" named as the one who calls: 전화하신 분 누구세요, 연락 주신 곳이 어디예요.
_WHO_CALLER = re.compile(
    r"(?:전화|연락)(?:하신|주신|거신|한)(?:분|곳|데)?(?:은|이|가)?(?:누구|어디)"
)
# "Who? I don't know them" (누구요? 그런 분 모르는데): the one asked for is unknown, a wrong
# person, not a question about the caller.
_UNKNOWN = ("모르", "모릅", "몰라", "그런분", "그런사람", "아닌데", "아닌대", "잘못")
# A question back is short; a longer reply has room for an intent besides.
_SHORT = 14
# "Who is calling?" is asked in a few words; a longer reply is about something else too.
_WHO_LONG = 20
# An echo: the last word of a question ends as reported speech (…라고요? …다고요?).
_ECHO_END = re.compile(r"(라|다)(고|구)(요|여)?$")
# The first word of a question back: a bare 네? / 예? (then what was heard: 포인트요?), with
# its own question mark or in a reply of two words (네 포인트요?; not 네 본인인데요 카드
# 포인트요?, which confirms before it asks) ...
_ECHO_START = ("네", "예", "응", "어", "네에", "뭐요", "뭐라고요")
# ... or, in a reply of two words at most, 뭐 / 무슨 (무슨 포인트요?; not 뭐 눌러야 돼요?)
_WHAT = ("뭐", "무슨", "뭔", "머")

# The words of a relation, not a name: 제가 아내인데요 is a relative.
_RELATION = (
    "아내",
    "남편",
    "와이프",
    "집사람",
    "부인",
    "딸",
    "아들",
    "엄마",
    "어머니",
    "아빠",
    "아버지",
    "가족",
    "동생",
    "형",
    "누나",
    "언니",
    "오빠",
    "할머니",
    "할아버지",
    "손자",
    "손녀",
    "며느리",
    "사위",
    "친구",
    "비서",
    "직원",
    "동료",
    "이모",
    "고모",
    "삼촌",
    "조카",
    "대신",
    "주인",
)
# The family names a name starts with (the common ones; two-syllable ones make a name of
# four): 저 지금 병원이에요 names no one.
_SURNAMES = frozenset(
    "김이박최정강조윤장임한오서신권황안송류유전홍고문양손배백허남심노하곽성차주우구민진나"
    "지엄채원천방공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국은편용봉"
)
_COMPOUND = ("남궁", "황보", "제갈", "선우", "독고", "사공")
# 제가 / 저 / 전 / 저는, a name of two to four syllables (or 그 사람), a copula or "that's
# right".
_NAMES_SELF = re.compile(
    r"^(?:네|예|응|어)*(?:제가|저는|전|저(?!는))([가-힣]{2,4}?)(?:씨)?"
    r"(?:인데요|인데|인대요|인대|이에요|이예요|예요|입니다|이요|맞아요|맞습니다|맞는데요|맞는대요)"
)
# A relation (not 대신, 주인, 친구 ...: the family) as the subject of the sentence: 남편이,
# 엄마는, 아버지께서, 딸이, at the start of a word as heard (유형이 names no one).
_FAMILY = (
    *(w for w in _RELATION if w not in ("대신", "주인", "친구", "비서", "직원", "동료")),
    "신랑",
    "아버님",
    "어머님",
    "시어머니",
    "시아버지",
    "남동생",
    "여동생",
)
# ... unless the reply says it is the customer too (네 맞아요 남편이 바꿔 줬어요: the husband
# handed the phone over), normalised.
_SELF = ("맞아", "맞습", "마자", "맞는", "본인", "전데", "전대", "접니", "저예요", "저에요")
_RELATIVE_SUBJECT = re.compile(
    r"(?:^|[^가-힣]|우리|저희|제|내)(?:" + "|".join(_FAMILY) + r")(?:님)? ?(?:께서|이|가|는|은)"
    r"(?![가-힣])"
)
_DENIAL = ("아니", "아닌", "아뇨", "없")


def question_back(text: str) -> bool:
    """The reply asks to hear the prompt again or echoes it as a question."""
    norm = normalize(text, "ko")
    if not norm or len(norm) > _SHORT:
        return False
    if _REPEAT.search(norm):
        return True
    if "?" not in text and "？" not in text:
        return False
    words = re.sub(r"[?？.!,~…]", " ", text).split()
    if not words:
        return False
    return (
        bool(_ECHO_END.search(words[-1]))
        or (words[0] in _ECHO_START and (len(words) <= 2 or _asked(text, words[0])))
        or (len(words) <= 2 and words[0] in _WHAT)
    )


def _asked(text: str, first: str) -> bool:
    """The first word is followed by a question mark (네? 다들 통화 중이라고요?)."""
    rest = text.lstrip()[len(first) :].lstrip()
    return rest.startswith(("?", "？"))


def asks_who_calls(text: str) -> bool:
    """The reply asks who is calling (누구세요?, 어디서 전화하신 거예요?)."""
    norm = normalize(text, "ko")
    if not norm or len(norm) > _WHO_LONG or any(w in norm for w in _UNKNOWN):
        return False
    return bool(_WHO_OPEN.search(norm) or _WHO_CALLER.search(norm))


def names_relative(text: str) -> bool:
    """The reply names a family member as the one who is busy, away or asleep (남편이 운전
    중이라 제가 받았어요, 아빠가 지금 없어요): a relative answered the phone."""
    if _RELATIVE_SUBJECT.search(text) is None:
        return False
    norm = normalize(text, "ko")
    return not any(w in norm for w in _SELF)


def names_self(text: str) -> bool:
    """The reply says "it's me, <name>" (제가 김민수인데요)."""
    norm = normalize(text, "ko")
    m = _NAMES_SELF.match(norm)
    if m is None or any(w in norm for w in _DENIAL):
        return False
    word = m.group(1)
    if word == "그사람":
        return True
    if word in _RELATION:
        return False
    if len(word) == 4:
        return word[:2] in _COMPOUND
    return word[0] in _SURNAMES


# 제가 / 저는 / 전 / 저 / 난 / 나는 / 내가, who is asked for (그 사람, 그분, 김민수 씨),
# a relation of the family and a copula: the speaker is the family member.
_SELF_RELATION = re.compile(
    r"(?:제가|저는|전|저|나는|난|내가)"
    r"(?:그사람|그분|이사람|그쪽|[가-힣]{2,4}(?:씨|님))?(?:의|네)?"
    r"(?:" + "|".join(sorted(_FAMILY, key=len, reverse=True)) + r")"
    r"(?:인데|인대|이에요|예요|에요|이예요|입니다|이고|이요|이야|야|되는데|되는대|되요|돼요|됩니다)"
)


def names_self_relation(text: str) -> bool:
    """The speaker says they are a family member of the one asked for (저는 와이프인데요)."""
    return _SELF_RELATION.search(normalize(text, "ko")) is not None


# Thinking it over, talking it over or looking into it, still to do (보고, 볼게요, 봐야,
# 볼까, 보구), in the normalised text; 생가 / 생각 for a dropped ㄱ.
_DEFER = re.compile(
    r"(?:생각|생가|고민|상의|의논|얘기|이야기)(?:을|를|좀|도|은)?(?:좀)?(?:해|하고|해서)?"
    r"(?:보고|보구|볼게|볼께|볼래|봐야|볼까|보겠|본다|봐서)"
    r"|물어(?:보고|보구|봐야)"
)
# A no said with it makes it a decline, a wish (상담원이랑 얘기해 보고 싶어요) is no
# deferral, and neither is thinking already done (보니까, 봤는데, 봤어요) is
# no deferral.
_DEFER_NOT = (
    "아니",
    "아뇨",
    "괜찮",
    "됐어",
    "됐습",
    "필요없",
    "관심없",
    "안할",
    "안해",
    "싫",
    "싶",
)
_THOUGHT = re.compile(r"(?:보니|봤|봐도|해봐도)")


def defers(text: str) -> bool:
    """The reply puts the decision off to think it over or ask the family (상의해 볼게요)."""
    norm = normalize(text, "ko")
    if not norm or _DEFER.search(norm) is None or _THOUGHT.search(norm):
        return False
    return not any(w in norm for w in _DEFER_NOT)


# "How did you get / where did you get my number": the phone number (not 비밀번호, 카드
# 번호: how to get those is a how-to), 어떻게 / 어디서, then a verb of getting or knowing in
# the past (알았어요, 아셨어요, 났어요, 구했어요; not 받아요: how do I get it), in one clause.
_NUMBER_QUESTION = re.compile(
    r"[^?？.!,]*(?<![밀드좌증원])번호[^?？.!,]{0,6}(?:어떻게|어디서|어디에서|어케)[^?？.!,]{0,4}"
    r"(?:알았|아셨|아신|알게|알고|났|나셨|구했|구하셨|얻었|받았|가져|갖고)[^?？.!,]*[?？.!,]?"
)


def without_number_question(text: str) -> str | None:
    """The reply with its "how did you get my number?" taken out, or None when it asks no
    such thing."""
    if _NUMBER_QUESTION.search(text) is None:
        return None
    return _NUMBER_QUESTION.sub(" ", text).strip()


# Later, by the customer: a later word and a first-person future of doing or looking
# (할게요, 볼게요, 해 볼게요, 하겠습니다), in the normalised text.
_LATER = ("나중에", "이따", "다음에", "주말에", "집에가서", "시간날때", "퇴근하고", "저녁에")
_MYSELF_FUTURE = re.compile(r"(?:할|볼)(?:게|께|래)|(?:하|보)겠(?:습|어|다)")
# Leave-taking: 수고하세요, 들어가세요, 안녕히 계세요, 끊을게요 (normalised).
_GOODBYE = ("수고하", "수고요", "들어가세요", "안녕히", "끊을게", "끊을께", "끊겠습", "끊어요")
# The person or the help asked for after all, or doing it now (지금 할게요; not 지금은,
# "not now").
_WANTS_HELP = (
    "주세요",
    "주세여",
    "줘요",
    "줘",
    "주시",
    "부탁",
    "연결",
    "도와",
    "상담원",
    "바로",
    "지금할",
    "지금해",
    "지금같이",
)


def not_put_through(text: str) -> bool:
    """The reply says OK but will do it later alone or takes leave (네 알겠어요 나중에 볼게요,
    네 알겠습니다 수고하세요): no yes to being put through to a person."""
    norm = normalize(text, "ko")
    if not norm or any(w in norm for w in _WANTS_HELP):
        return False
    later = any(w in norm for w in _LATER) and _MYSELF_FUTURE.search(norm) is not None
    return later or any(w in norm for w in _GOODBYE)


# Refusing the connection: 연결 with a stop (하지 마, 안 해도, 말아, 취소), or 취소 alone.
_NO_CONNECTION = re.compile(
    r"연결(?:은|는|좀|도)?(?:하지마|하지말|안해도|안하셔도|마세|말아|말고|취소|끊)|^(?:아|네|그냥)*취소"
)
# Words that make it about the calls (다시는 전화하지 마세요): then it is an opt-out.
_CALLS = ("전화", "연락", "문자", "번호", "다시는", "앞으로", "다신", "더이상")
# Waiting for the connection, not refused (안 기다릴래요 is a refusal).
_WAIT = re.compile(r"(?<!안)기다릴(?:게|께|래|꼐)|(?<!안)기다리(?:겠|고있|는중)")


def answers_connection(text: str) -> str | None:
    """ "decline" when the reply refuses the connection just announced, "wait" when it
    waits for it, None otherwise (normalised text)."""
    norm = normalize(text, "ko")
    if not norm:
        return None
    if _NO_CONNECTION.search(norm) and not any(w in norm for w in _CALLS):
        return "decline"
    if _WAIT.search(norm) and "안기다" not in norm:
        return "wait"
    return None
