"""Plain words for the scorer's features, in zh, ko and en. Pure, no I/O.

A reason's code is its feature name with ``:`` replaced by ``.`` (``signal.wants_guidance``,
``conv.asks_price``, ``profile.app_views.wealth``): stable across versions, so consoles and
reports can translate or count them. The words come from the tables below; a feature that
has no entry gets a generic sentence built from its name.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from dialogue.intent.cues import lexicon_language

# text templates: {n} is the feature's count, {name} the item's plain name
Words = Mapping[str, str]  # language (zh/ko/en) -> template

_SIGNALS: Mapping[str, Words] = {
    "interested": {"en": "said they are interested", "zh": "表示有兴趣", "ko": "관심이 있다고 함"},
    "asked_how_to_redeem": {
        "en": "asked how to redeem points",
        "zh": "询问如何兑换积分",
        "ko": "포인트 사용 방법을 물어봄",
    },
    "wants_guidance": {
        "en": "wants an agent to guide them",
        "zh": "希望专员一步步指导",
        "ko": "상담원 안내를 원함",
    },
    "wants_advisor": {
        "en": "wants to talk to a wealth advisor",
        "zh": "希望理财经理详细介绍",
        "ko": "자산관리 상담을 원함",
    },
    "asked_about_risk": {
        "en": "asked about the risk",
        "zh": "询问了产品风险",
        "ko": "위험도를 물어봄",
    },
    "asked_about_return": {
        "en": "asked about returns",
        "zh": "询问了产品收益",
        "ko": "수익을 물어봄",
    },
    "accepted_follow_up": {
        "en": "accepted a call back from an agent",
        "zh": "同意专员回电",
        "ko": "상담원 회신에 동의함",
    },
    "accepted_info": {
        "en": "accepted product information",
        "zh": "同意接收产品说明",
        "ko": "상품 안내 수신에 동의함",
    },
    "asked_for_human": {
        "en": "asked for a person",
        "zh": "要求转人工",
        "ko": "상담원 연결을 요청함",
    },
    "callback_requested": {
        "en": "asked to be called later",
        "zh": "要求改时间再联系",
        "ko": "나중에 다시 전화 달라고 함",
    },
    "self_service": {
        "en": "will do it themselves in the app",
        "zh": "表示会自己在手机银行操作",
        "ko": "앱에서 직접 하겠다고 함",
    },
    "declined": {"en": "declined the offer", "zh": "拒绝了推荐", "ko": "제안을 거절함"},
    "complaint": {
        "en": "complained about the call",
        "zh": "投诉了这通电话",
        "ko": "전화에 불만을 제기함",
    },
    "opted_out": {
        "en": "asked not to be called again",
        "zh": "要求不再来电",
        "ko": "수신 거부를 요청함",
    },
    "has_app": {
        "en": "has the mobile banking app",
        "zh": "已安装手机银行",
        "ko": "모바일 뱅킹 앱이 있음",
    },
    "no_app": {"en": "does not have the app yet", "zh": "尚未安装手机银行", "ko": "앱이 아직 없음"},
    "asked_login_help": {
        "en": "asked for help logging in",
        "zh": "询问登录问题",
        "ko": "로그인 도움을 요청함",
    },
    "wants_link": {
        "en": "wants the download link",
        "zh": "希望收到下载链接",
        "ko": "다운로드 링크를 원함",
    },
}

_INTENTS: Mapping[str, Words] = {
    "agree": {"en": "said yes {n} times", "zh": "{n}次表示同意", "ko": "{n}번 동의함"},
    "decline": {"en": "said no {n} times", "zh": "{n}次表示拒绝", "ko": "{n}번 거절함"},
    "how_to": {"en": "asked how to do it", "zh": "询问怎么操作", "ko": "방법을 물어봄"},
    "ask_human": {"en": "asked for a person", "zh": "要求转人工", "ko": "상담원을 찾음"},
    "busy": {"en": "said they are busy", "zh": "表示在忙", "ko": "바쁘다고 함"},
    "opt_out": {
        "en": "asked not to be called again",
        "zh": "要求不再来电",
        "ko": "수신 거부를 요청함",
    },
    "wrong_person": {
        "en": "said it is the wrong person",
        "zh": "表示打错了",
        "ko": "잘못 건 전화라고 함",
    },
    "complaint": {"en": "complained", "zh": "表达了不满", "ko": "불만을 표현함"},
    "already_redeemed": {
        "en": "already redeemed",
        "zh": "表示已经兑换过",
        "ko": "이미 사용했다고 함",
    },
    "already_bought": {"en": "already bought", "zh": "表示已经购买", "ko": "이미 구매했다고 함"},
}

_CONV: Mapping[str, Words] = {
    "customer_turns": {
        "en": "spoke {n} times in the call",
        "zh": "通话中说了{n}次话",
        "ko": "통화 중 {n}번 말함",
    },
    "questions": {"en": "asked {n} questions", "zh": "提了{n}个问题", "ko": "질문을 {n}번 함"},
    "asks_details": {
        "en": "asked for details",
        "zh": "询问了具体细节",
        "ko": "자세한 내용을 물어봄",
    },
    "asks_price": {
        "en": "asked about price or rate",
        "zh": "询问了价格或利率",
        "ko": "가격이나 금리를 물어봄",
    },
    "asks_how": {"en": "asked how to do it", "zh": "询问怎么办理", "ko": "방법을 물어봄"},
    "asks_repeat": {"en": "asked the bot to repeat", "zh": "要求重复", "ko": "다시 말해 달라고 함"},
    "not_heard": {
        "en": "{n} replies were not heard",
        "zh": "{n}次回答没有听到",
        "ko": "{n}번 대답이 들리지 않음",
    },
    "positive": {
        "en": "used positive words {n} times",
        "zh": "{n}次使用积极的措辞",
        "ko": "긍정적인 말을 {n}번 함",
    },
    "negative": {
        "en": "used negative words {n} times",
        "zh": "{n}次使用消极的措辞",
        "ko": "부정적인 말을 {n}번 함",
    },
    "commit": {
        "en": "wanted to do it right away",
        "zh": "表示想马上办理",
        "ko": "바로 하고 싶다고 함",
    },
    "hesitant": {
        "en": "wanted to think it over or do it later",
        "zh": "表示要考虑一下或以后再说",
        "ko": "생각해 보거나 나중에 하겠다고 함",
    },
    "noncommittal": {
        "en": "answered vaguely (maybe, whatever)",
        "zh": "回答含糊（看情况、随便）",
        "ko": "애매하게 대답함",
    },
    "polite": {"en": "was polite", "zh": "语气礼貌", "ko": "정중하게 말함"},
    "hostile": {
        "en": "was annoyed or hostile",
        "zh": "表现出不满或敌意",
        "ko": "짜증이나 불만을 표함",
    },
    "blunt": {
        "en": "refused curtly (hanging up, no twice)",
        "zh": "生硬地拒绝（说挂了、连说不要）",
        "ko": "딱 잘라 거절함",
    },
    "wrong_person": {
        "en": "said it was the wrong person",
        "zh": "表示不是本人或打错了",
        "ko": "본인이 아니라고 함",
    },
    "filler": {
        "en": "{n} replies were only filler words",
        "zh": "{n}次只回答了语气词",
        "ko": "{n}번 의미 없는 말만 함",
    },
    "hung_up": {"en": "hung up during the call", "zh": "中途挂断了电话", "ko": "통화 중에 끊음"},
    "interruptions": {
        "en": "interrupted the bot {n} times",
        "zh": "{n}次打断机器人",
        "ko": "봇의 말을 {n}번 끊음",
    },
    "talk_ratio": {
        "en": "talked a good share of the call",
        "zh": "通话中说话较多",
        "ko": "통화에서 말을 많이 함",
    },
    "silences": {"en": "stayed silent {n} times", "zh": "{n}次没有回应", "ko": "{n}번 응답이 없음"},
    "no_match": {
        "en": "was not understood {n} times",
        "zh": "{n}次回答未被识别",
        "ko": "{n}번 알아듣지 못함",
    },
}

_ANSWER: Words = {
    "en": "answered '{name}' {n} times",
    "zh": "{n}次回答“{name}”",
    "ko": "'{name}'(으)로 {n}번 대답함",
}

_SCRIPT_WEIGHT: Words = {
    "en": "the script's signals add up to {n}",
    "zh": "脚本信号合计{n}",
    "ko": "스크립트 신호 합계 {n}",
}

_APP_CATEGORY: Mapping[str, Words] = {
    "wealth": {"en": "wealth products", "zh": "理财产品", "ko": "자산관리 상품"},
    "fund": {"en": "funds", "zh": "基金", "ko": "펀드"},
    "points": {"en": "the points mall", "zh": "积分商城", "ko": "포인트 몰"},
    "loan": {"en": "loans", "zh": "贷款产品", "ko": "대출 상품"},
    "card": {"en": "credit cards", "zh": "信用卡", "ko": "신용카드"},
    "app": {"en": "the mobile banking app", "zh": "手机银行", "ko": "모바일 뱅킹"},
}

_PROFILE: Mapping[str, Words] = {
    "app_views": {
        "en": "browsed {name} {n} times this week",
        "zh": "本周浏览{name}{n}次",
        "ko": "이번 주 {name}을(를) {n}번 조회함",
    },
    "star_level": {"en": "star level {n}", "zh": "星级客户（{n}星）", "ko": "{n}성 등급 고객"},
    "past_positive": {
        "en": "responded well to {n} past campaigns",
        "zh": "过往{n}次营销活动有积极回应",
        "ko": "이전 캠페인 {n}건에 긍정적으로 응답함",
    },
    "past_negative": {
        "en": "turned down {n} past campaigns",
        "zh": "过往{n}次营销活动予以拒绝",
        "ko": "이전 캠페인 {n}건을 거절함",
    },
    "segment": {"en": "{name} customer", "zh": "{name}客户", "ko": "{name} 고객"},
    "aum_band": {"en": "assets in band {name}", "zh": "资产段位 {name}", "ko": "자산 구간 {name}"},
    "tag": {"en": "tagged '{name}'", "zh": "标签“{name}”", "ko": "태그 '{name}'"},
}

_GENERIC: Mapping[str, Words] = {
    "signal": {"en": "signal: {name}", "zh": "信号：{name}", "ko": "신호: {name}"},
    "intent": {"en": "said '{name}' {n} times", "zh": "{n}次“{name}”", "ko": "'{name}' {n}번"},
    "state": {
        "en": "reached the '{name}' step",
        "zh": "进入了“{name}”环节",
        "ko": "'{name}' 단계에 도달함",
    },
    "other": {"en": "{name}", "zh": "{name}", "ko": "{name}"},
}

_STATES: Mapping[str, Words] = {
    "explain_redeem": {
        "en": "listened to how to redeem",
        "zh": "听完了兑换方法介绍",
        "ko": "사용 방법 안내를 들음",
    },
    "transfer_agent": {
        "en": "reached the transfer to an agent",
        "zh": "进入了转接专员环节",
        "ko": "상담원 연결 단계에 도달함",
    },
    "transfer_advisor": {
        "en": "reached the transfer to an advisor",
        "zh": "进入了转接理财经理环节",
        "ko": "자산관리 상담 연결 단계에 도달함",
    },
    "agent_busy": {
        "en": "was offered a call back",
        "zh": "被提议专员回电",
        "ko": "회신 제안을 받음",
    },
    "end_follow_up": {"en": "agreed to a call back", "zh": "同意稍后回电", "ko": "회신에 동의함"},
    "end_declined": {"en": "ended by declining", "zh": "以拒绝结束", "ko": "거절로 종료됨"},
    "end_opt_out": {"en": "opted out", "zh": "要求退订", "ko": "수신 거부함"},
    "end_wrong_person": {"en": "was the wrong person", "zh": "不是本人", "ko": "본인이 아님"},
    "end_self_service": {
        "en": "will redeem on their own",
        "zh": "表示会自行办理",
        "ko": "직접 처리하겠다고 함",
    },
    "ask_callback": {
        "en": "asked for another time",
        "zh": "要求改时间联系",
        "ko": "다른 시간을 요청함",
    },
    "human_handoff": {
        "en": "asked to be put through to a person",
        "zh": "要求转人工",
        "ko": "상담원 연결을 요청함",
    },
    "offer_advisor": {
        "en": "was offered a wealth advisor",
        "zh": "被推荐理财经理",
        "ko": "자산관리 상담을 제안받음",
    },
}


def _pick(words: Words, lang: str) -> str:
    return words.get(lang) or words["en"]


# English words for a count of one ("spoke 1 times" reads as unfinished)
_ONE_EN = (
    (" 1 times", " once"),
    (" 1 questions", " 1 question"),
    ("1 replies were", "1 reply was"),
    (" 1 past campaigns", " 1 past campaign"),
)


def _fmt(template: str, n: float, name: str) -> str:
    shown = str(int(n)) if float(n).is_integer() else f"{n:.1f}"
    text = template.format(n=shown, name=name)
    if shown == "1":
        for many, one in _ONE_EN:
            text = text.replace(many, one)
    return text


def reason_code(feature: str) -> str:
    return feature.replace(":", ".")


def describe(feature: str, value: float, language: str) -> tuple[str, str]:
    """(words in ``language``, words in English) for a feature with ``value``."""
    lang = lexicon_language(language)
    kind, _, rest = feature.partition(":")
    out: list[str] = []
    for target in (lang, "en"):
        out.append(_describe_one(kind, rest, value, target))
    return out[0], out[1]


def _describe_one(kind: str, rest: str, value: float, lang: str) -> str:
    if kind == "signal":
        w = _SIGNALS.get(rest)
        return _pick(w, lang) if w else _fmt(_pick(_GENERIC["signal"], lang), value, rest)
    if kind == "intent":
        w = _INTENTS.get(rest)
        return _fmt(_pick(w or _GENERIC["intent"], lang), value, rest)
    if kind == "state":
        w = _STATES.get(rest)
        return _pick(w, lang) if w else _fmt(_pick(_GENERIC["state"], lang), value, rest)
    if kind == "answer":
        state, _, what = rest.partition(":")
        return _fmt(_pick(_ANSWER, lang), value, f"{what}@{state}")
    if kind == "script":
        return _fmt(_pick(_SCRIPT_WEIGHT, lang), value, rest)
    if kind == "conv" and rest in _CONV:
        return _fmt(_pick(_CONV[rest], lang), value, rest)
    if kind == "profile":
        head, _, item = rest.partition(":")
        if head == "app_views":
            cat = _APP_CATEGORY.get(item)
            name = _pick(cat, lang) if cat else item
            # the feature is log1p(views): give the count back
            views = round(_expm1(value))
            return _fmt(_pick(_PROFILE["app_views"], lang), views, name)
        if head == "star_level":
            return _fmt(_pick(_PROFILE["star_level"], lang), round(value * 7), "")
        if head in _PROFILE:
            return _fmt(_pick(_PROFILE[head], lang), value, item)
    return _fmt(_pick(_GENERIC["other"], lang), value, f"{kind}:{rest}")


def _expm1(x: float) -> float:

    return math.expm1(x)
