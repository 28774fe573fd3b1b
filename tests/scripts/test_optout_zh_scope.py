"""What narrows a Chinese reply about the calls (``scripts.optout_zh_scope``), and the
opt-outs around it that the rules still read."""

from __future__ import annotations

import pytest

from scripts.optout import OptOutMatcher
from scripts.optout_zh_scope import narrowed, not_the_banks_calls, threat_to_impostor
from scripts.optout_zh_words import zh_rules, zh_tokens


@pytest.mark.parametrize(
    "text",
    [
        "开会的时候别打，我接不了",  # a when-clause before the negation
        "我不是不让你们打，就是别老在我忙的时候打",  # ... and between it and the call
        "以后早上别打那么早，十点以后可以",  # the manner
        "你们以后打电话能不能说慢点，我岁数大了听不清",
        "别误会啊，我没说以后不要打",  # the request denied
        "打电话的是你们银行的吗，不是的话我要报警了",  # a threat to an impostor
        "外卖小哥打了三个电话我都没接到",  # someone else's calls
        "我一天接三个诈骗电话，你们银行管不管",
        "前几天有个号码一直打给我，是你们银行吗",  # an unknown caller asked about
        "你们那个app一天给我推送三条，烦死了",  # another channel, no call named
        "别找我，找我老公，那是他的卡",  # a relative to reach instead
        "我正在上课，别打扰我，一会儿再打",  # a while later
        "最近别打了，我在外地，回来再联系",  # when back
        "你们别打我卡里钱的主意",  # an idiom with a long object
        "不用你们打，我自己会去网点办",  # the customer goes in person
        "算了，不想听经理推销",  # the pitch heard now, not the calls
        "我不想听你们推销这个，你说点别的",
        "不用打给我了，我已经在app上弄好了",  # the matter done already
        "我要unsubscribe那个短信提醒，怎么弄",  # a reminder service
        "我老伴一天给我打八个电话，问我啥时候回去",  # family calling
        "那个推销保险的天天打我电话，烦得很",  # another seller
        "我开会呢，别打扰我，散会了我打给你",  # the customer calls back
    ],
)
def test_a_narrowed_request_is_no_opt_out(text: str) -> None:
    assert OptOutMatcher("zh-CN").match(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "把我unsubscribe了吧",
        "把我加到那个do not call里",
        "别再call我了",
        "上午打一个下午打一个，够了，别再打了",  # calls counted at times of day
        "我不是说了吗不要在给我打电话",  # a reminder, not a denial
        "开会的时候你们也打，以后别打了",  # the when-clause in another clause
        "你们以后任何时候都别打了",
        "别打那么多电话了，以后都别打",
        "有个号码一直打给我，是你们吧，以后别打了",
        "我都跟三个客服说过了，怎么名单里还有我",  # still on the list
        "请remove我的号码",
        "俺这个手机号，恁就当没有，中不中",  # the number as the clause's topic
        "不用打给我了，我已经说过很多次了，以后别打",  # a prohibition said
        "把我unsubscribe了吧，那些推销电话",
        "别再打了，我自己会去网点办的",  # a prohibition, whoever goes in person
        "我不想再听到你们的推销电话",  # 听到: the calls heard
        "不想听，挂了，以后别打来",
    ],
)
def test_an_opt_out_is_still_read(text: str) -> None:
    assert OptOutMatcher("zh-CN", model=None).match(text) is not None


def test_the_helpers_read_the_shapes() -> None:
    rules = zh_rules()
    assert narrowed(zh_tokens("在我开车的时候不要打"), rules)
    assert not narrowed(zh_tokens("以后不要再打了"), rules)
    tokens = zh_tokens("要是骗子的话我就报警")
    assert threat_to_impostor(tokens, tokens.index("bao"))
    assert not_the_banks_calls(zh_tokens("快递打了两个电话"), rules)
    assert not not_the_banks_calls(zh_tokens("你们天天给我老婆打电话"), rules)
