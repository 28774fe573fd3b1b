"""The opt-out matcher: every way of saying "stop calling me", and not "no thanks"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.loader import SCRIPTS_DIR, load_script
from scripts.optout import OptOutMatcher, grammar_phrases

FIT_SET = Path(__file__).parents[2] / "simulator" / "fitset" / "optout.jsonl"


@pytest.mark.parametrize(
    "text",
    [
        "不要再打了",
        "别在打了",  # the recogniser's 在 for 再
        "以后别给我来点话了",  # 点话 for 电话
        "把我的号码从名单里删掉",
        "我要投訴你們",  # traditional characters
        "营销电话我全部拒绝",
        "我不想再听到你们的电话了",
        "不管找谁都别再打这个号了",
        "今天别打了，以后也别打",  # a lasting word widens the time
        "你们以后少打我电话",  # a bare 少打 / 不打 is a request with 以后
        "你们莫给我打电话了嘛",  # dialect negation
        "帮我取消电话营销",  # unsubscribing
        "麻烦你删除我的联系方式",
        "以后不要再给我老公这个号码打电话了",  # a lasting word lets the call come later
        "从现在开始不要再联系我",  # 现在 scoping a lasting request
        "你们再打过来我就找消协",
        "说白了就是别给我打电话了",
        "唔好再打嚟我度啦",  # Cantonese 唔好 (read as 五号 in pinyin) and 嚟
        "侬覅再打电话给我了",  # Shanghainese 覅
        "莫要再打电话来咯",
        "表再打来了",  # 表 for 不要
        "你们一直打电话，客服也打不通，我要投诉",  # a complaint that names the calls
        "以后别让我的号码出现在你们的名单里",  # 出现在 is not 现在
        "把我的资料从系统里清空",
        "这是第几次了，还打，有完没完",  # exasperation at repeated calls
        "一个礼拜打了三回了，你们还让不让人清净了",
        "取消订阅，谢谢",
        "我不需要你们的点话营消",  # no telemarketing wanted, misheard
        "我手机号不是给你们打广告用的，删了",  # the removal far at the end
        "你们在大一个试试看",  # a dare
        "我在开会，以后别打了",
    ],
)
def test_opt_outs_in_chinese(text: str) -> None:
    assert OptOutMatcher("zh-CN").match(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "不需要，谢谢",  # declining the offer is not an opt-out
        "今天别打了，改天再打吧",  # a time scopes it
        "别这个点打，中午打",
        "不用给我回电话",  # someone else's call
        "不用经理给我打电话",
        "别打断我",
        "要不要我给你打电话",
        "别人的号码",
        "你下午四点以后打吧",
        "以后打不打随你",  # an A-not-A question
        "你们那个手续费太高了，我要投诉这个收费",  # a complaint about something else
        "我是不是不用再打电话给你们了",  # the customer calling the bank
        "我不用再打电话确认了吧",
        "你别打岔，听我说完",
        "别打扰我女儿，她在睡觉，你跟我说就行",
        "别发短信了，打电话就行",  # the call is welcome
        "别给我打办公室电话，打手机",  # another number
        "你们经理不用给我打了，我去网点找他",
        "我一般不接陌生电话，你们是银行吧",
        "我不是不接你们电话，刚才在忙",
        "电话里说不清楚，我去网点问",
        "五号再打给我吧",  # a date, not 唔好 or 勿
        "你先别挂电话，我找下卡",  # hanging up, not calling
        "这事别找我，打我儿子电话",  # a call elsewhere
        "别打这个，打我单位座机吧",
        "不用再联系那个理财经理了，我自己去办",  # someone else is to be called
        "先不用打了，等我想好了找你们",  # 先 scopes it
        "我客服电话打了半天打不通，我要投诉",  # a complaint about something else
        "我原本打算拉黑你们，不过这个活动还可以",  # counterfactual
        "我差点就拉黑这个号了，还好接了",
        "电话里讲不清楚，我去网点",  # 清楚 is not 清除
        "不用打电话提醒我了，我记得",  # this call's purpose is done
        "我平时不接推销电话，不过你说吧",  # the call goes on
        "我以后不打你们客服了，直接去网点",  # the customer's own calls
        "我一般不接这种电话，看到是银行才接的",  # a habit told
        "你放心，我不会投诉的",  # a complaint denied
        "我要投诉这个积分规则太坑了",  # about something else
        "我之前是拉黑过你们，后来又放出来了",  # reversed
        "你这不算骚扰电话，你放心",  # denied
        "不用你们打，我自己打过去问",  # the customer will call
        "把旧的联系人信息删了，留新的那个",  # a number replaced
        "号码别删，我还要用的",  # a removal denied
        "我想退订你们的一个理财产品怎么弄",  # a product
        "以后有事直接找我别大我爸点话",  # a relative spared, the customer reachable
        "我上次拒接了你们电话，不好意思啊",  # a refusal told
        "以后有好的理财你们再打给我",  # a call asked for
        "这个号马我一后不用了打我新号",  # 不用了 ends its clause
        "叫你们领导给我打个电话",  # a call asked for
        "以后请发邮件给我，电话也可以",  # calls welcome (邮 is not 又)
        "你们不用每次都打电话，短信提醒也行",  # not every time, not never
    ],
)
def test_close_replies_that_are_not_opt_outs(text: str) -> None:
    assert OptOutMatcher("zh-CN").match(text) is None


def test_korean_and_english() -> None:
    ko = OptOutMatcher("ko-KR")
    assert ko.match("그만 전하하세요") is not None
    assert ko.match("다시 전화 안 주셔도 돼요 제가 할게요") is None
    assert ko.match("앞으로 저나하지 마세여") is not None  # respellings
    assert ko.match("오늘은 전화 하지 마시고 내일 해 주세요") is None  # a time scopes it
    assert ko.match("수수료 때문에 민원 넣고 싶어요") is None  # a complaint about a fee
    en = OptOutMatcher("en-US")
    assert en.match("please don't call me again") is not None
    assert en.match("not now, call me back tomorrow") is None


def test_the_script_phrases_count_and_every_state_grammar_carries_opt_out() -> None:
    script = load_script(SCRIPTS_DIR / "points_reminder.zh-CN.yaml")
    matcher = script.opt_out_matcher()
    assert matcher is not None and matcher.match("号码删了") is not None
    for sid, st in script.states.items():
        if st.end is None:
            assert set(grammar_phrases("zh-CN")) <= set(script.all_phrases(sid)), sid


@pytest.mark.parametrize("language", ["zh-CN", "ko-KR", "en-US"])
def test_every_grammar_phrase_is_an_opt_out_to_the_rules(language: str) -> None:
    rules = OptOutMatcher(language, model=None)
    assert [p for p in grammar_phrases(language) if rules.match(p) is None] == []


def test_fit_set_recall_and_false_rate() -> None:
    rows = [json.loads(line) for line in FIT_SET.read_text(encoding="utf-8").splitlines()]
    matchers = {lang: OptOutMatcher(lang) for lang in {r["language"] for r in rows}}
    hits = [(r["label"], matchers[r["language"]].match(r["text"]) is not None) for r in rows]
    opt = [h for label, h in hits if label == "opt_out"]
    other = [h for label, h in hits if label != "opt_out"]
    assert sum(opt) / len(opt) >= 0.99
    assert sum(other) / len(other) <= 0.01
