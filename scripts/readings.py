"""How each language reads phrases in context (``Reading``): its negations and their scope,
rhetorical questions, and the common words a phrase may sit inside without being meant.
Data for ``scripts.matching``; every entry in normalised form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Reading:
    """How a language reads phrases in context; all entries in normalised form.

    ``verbal``: negations of wanting or needing (不用, 别) -> how many characters may stand
    between the cue and the phrase it governs (不用告诉我怎么兑换: 3); an embedded subject is
    inside the scope (不需要你帮我转人工). ``clausal``: negations of a statement (不是, 没有,
    bare 不) -> the same, but a subject pronoun right after the cue starts a new clause
    (没有，我想问一下怎么兑换); ``subjects`` are those pronouns. ``not_negation``: words
    holding a cue that negate nothing (不好意思, 不知道, 别人). ``scope_ends``: words that
    end a negation's scope (但是).
    ``rhetorical``: (cue, final particle): the cue is a rhetorical question when the
    utterance ends with the particle (你不是机器人吗). ``words``: common words a phrase may
    sit inside without being meant (行 in 银行, 要 in 要多久); a phrase that is such a word
    is still itself. An A-not-A question (要不要, 行不行, 可不可以) negates nothing and hides
    the phrases inside it: it asks, it does not answer.
    """

    verbal: Mapping[str, int]
    clausal: Mapping[str, int]
    not_negation: tuple[str, ...]
    scope_ends: tuple[str, ...]
    rhetorical: tuple[tuple[str, str], ...]
    subjects: tuple[str, ...]
    words: tuple[str, ...]
    a_not_a: tuple[str, ...]  # the "not" of an A-not-A question


READINGS: dict[str, Reading] = {
    "zh": Reading(
        verbal={
            "不用": 4,
            "不要": 4,
            "不想": 4,
            "不需要": 4,
            "不必": 4,
            "无需": 4,
            "没必要": 4,
            "用不着": 4,
            "不愿意": 4,
            "不打算": 4,
            "别": 4,
            "甭": 4,
        },
        clausal={"不是": 2, "没有": 2, "不太": 1, "不怎么": 1, "不": 0, "没": 0},
        not_negation=(
            "不好意思",
            "不知道",
            "不清楚",
            "不懂",
            "不过",
            "不错",
            "不客气",
            "不要紧",
            "不管",
            "不得不",
            "不然",
            "差不多",
            "对不起",
            "了不起",
            "没关系",
            "没事",
            "没错",
            "没想到",
            "别人",
            "别的",
            "别家",
            "别处",
            "特别",
            "区别",
            "分别",
            "级别",
            "识别",
        ),
        scope_ends=("但是", "可是", "不过", "只是", "而是", "所以"),
        rhetorical=(("不是", "吗"),),
        subjects=("我", "你", "您", "他", "她"),
        words=(
            "银行",
            "对不起",
            "对于",
            "对面",
            "对方",
            "对账",
            "想法",
            "没想到",
            "想一想",
            "重要",
            "主要",
            "要是",
            "要求",
            "要多久",
            "要多长",
            "要多少",
            "要等",
            "要钱",
            "要花钱",
            "要收费",
            "要交钱",
            "可不可以",
            "需要多久",
            "需要多长",
            "需要多少",
            "需要等",
            "需要钱",
            "需要交钱",
            # a modal asked with 是不是/是否 (是不是要下载APP才能换) asks, it does not agree
            "是不是要",
            "是不是需要",
            "是不是得",
            "是否要",
            "是否需要",
            # 好 inside a word of degree or manner (风好大, 好像, 还好) is not assent
            "好像",
            "好听",
            "好看",
            "好大",
            "好多",
            "好几",
            "好久",
            "好处",
            "好难",
            "正好",
            "刚好",
            "只好",
            "还好",
            # 好 as the result of a doing verb (弄好了, 换好了, 办好) says it is done, not assent
            "弄好",
            "换好",
            "兑好",
            "办好",
            "搞好",
            "做好",
            "整好",
            # 中 (the Henan "all right") inside a word is not assent (中国, 中午, 中途, 中风险:
            # 中风 holds 中, not the 风险 after it)
            "中国",
            "中行",
            "中信",
            "中午",
            "中途",
            "中间",
            "中心",
            "中旬",
            "中期",
            "中等",
            "中年",
            "中介",
            "中奖",
            "中文",
            "中秋",
            "中断",
            "中止",
            "中风",
            "中低",
            "中高",
            "其中",
            "当中",
            "高中",
            "初中",
            "集中",
            "心中",
            "手中",
            "家中",
            # 中午 as recognition spells it (午 heard as 五 or 舞)
            "中五",
            "中舞",
            # 你说 before a question word asks what was said (你说啥), it does not consent
            "你说什么",
            "你说啥",
            "你说沙",
            "你说谁",
            "你说找谁",
            "你说哪",
            # 好 as the result of a verb (弄好, 办好: done, or not done with 没) is no assent
            "弄好",
            "办好",
            "搞好",
            "做好",
            "修好",
            "处理好",
            "设置好",
            # 要 of having to (还要跑网点, 又要下载) is no wish
            "还要",
            "又要",
            # and of being about to (快要过期, 快要出门)
            "快要",
        ),
        a_not_a=("不", "没"),
    ),
}
NO_READING = Reading({}, {}, (), (), (), (), (), ())
