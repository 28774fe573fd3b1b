"""打 that is no call, as the Chinese opt-out rules (``scripts.optout_zh``) read it.

打 is also the verb of many idioms: 打折 (a discount), 打X的主意 (to have designs on),
打感情牌 (to play on feelings), 打官腔, 打哈哈, 打太极, 打交道. 别打我卡的主意 or 别给我打折了
forbids no call. Read on pinyin: 打折 only as da zhe closed (打折了, 打折扣, 打八折), since
da zhe is also 打这(个号码). Pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence

from scripts.optout_zh_words import COUNTS, find_words, py_words

# what closes an idiom of 打 a few words on (打我卡的主意, 打什么感情牌)
_IDIOM_ENDS = py_words(
    "主意|感情牌|亲情牌|官腔|哈哈|马虎眼|太极|交道|算盘|小算盘|退堂鼓|圆场|擦边球|游戏|麻将|扑克"
)
_CALL_WORDS = py_words("电话|来电|过来|给我|来")
# what may follow 打折 (打折了, 打折扣) or end the reply there
_AFTER_DISCOUNT: tuple[list[str], ...] = (["le"], ["kou"], [","], ["a"], ["ba"], [])


def idiom_da(tokens: Sequence[str], i: int) -> bool:
    """The 打 at ``i`` begins an idiom, not a call: an idiom's end within five words in its
    clause (打我卡的主意), or a discount (打折了, 打八折, 打个折)."""
    rest = list(tokens[i + 1 : i + 7])
    if "," in rest:
        rest = rest[: rest.index(",")]
    ends = find_words(rest, _IDIOM_ENDS)
    if ends and not find_words(rest[: ends[0][0]], _CALL_WORDS):
        return True  # (not 别打电话来跟我玩游戏: the call named first)
    if rest[:1] == ["zhe"] and rest[1:2] in _AFTER_DISCOUNT:
        return True
    return rest[1:2] == ["zhe"] and (rest[0] in COUNTS or rest[0] in ("ge", "yi", "er"))
