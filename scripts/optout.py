"""Opt-out that cannot be missed: "stop calling me" in any wording, told from "no thanks".

A keyword and negation-aware matcher over recognised text, heard in every state of every
script (``dialogue.engine`` asks it before anything else). It fires on

- a negated call: a negation of doing (不要, 别, 不用, 停止, ...) governing a calling verb
  (打, 来电, 联系, 打扰, 推销, ...) a few words later (不要再给我打电话, 以后别打来了);
- not wanting calls: 不想/不愿意/拒绝/不接受 ... 电话 (我不想再听到你们的电话), or the other
  order (营销电话我全部拒绝);
- removing the number: 删/去掉/注销 near 号码/名单 (把我的号码删了, 从名单里去掉);
- standing words: 退订, 黑名单, 拉黑, 免打扰, 骚扰, and a complaint or a regulator
  (投诉, 举报, 12378, 监管): a customer who threatens a complaint is not called again;
- the script's own ``opt_out`` phrases and keywords.

It does not fire on declining the offer (不需要, 不用换了), on a temporary "not now"
(今天别打了，改天再打; 别这个点打，中午打: a time that scopes the negation and no 以后/再也/
永远/任何 that widens it), on someone else calling (不用给我回电话, 不用经理给我打电话), on
words that only contain the cues (打断, 打算, 别人, 要不要), on an A-not-A question, on
the customer's own calls (我不用再打电话给你们), on another number asked for (别打座机，打我
手机), on a call that is welcome (别发短信，打电话就行), or on a complaint about something
else (我要投诉这个收费; a complaint that names the calls, or a threat, is an opt-out).

Chinese is compared in toneless pinyin syllables, so the recogniser's homophone errors
(别在打了, 别大了, 来点话, 头诉, 扫扰, 删出) and traditional characters read as what was
meant. Korean is compared without spaces, with the recogniser's common respellings; English
by words (both in ``scripts.optout_ko_en``). Pure, no I/O; the pinyin table
(``scripts.pinyin``) is loaded on first use.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from scripts.matching import base_language, normalize
from scripts.optout_ko_en import en_match, ko_match
from scripts.optout_model import OptOutModel, load_optout_model
from scripts.pinyin import pinyin_table, pinyin_tokens


@dataclass(frozen=True)
class OptOutHit:
    """Why an utterance is an opt-out: the rule and the words that made it one."""

    rule: str  # negated_call, no_calls_wanted, remove_number, standing_word, complaint,
    # phrase, classifier (the learned model, when no rule fired)
    words: str


# -- Chinese: toneless pinyin tokens ---------------------------------------------------


_tokens = pinyin_tokens


class _Words(tuple[tuple[str, ...], ...]):
    """Alternatives as pinyin token tuples, with their index by first syllable."""

    first: Mapping[str, tuple[tuple[str, ...], ...]]


def _words(alternatives: Iterable[tuple[str, ...]]) -> _Words:
    words = _Words(alternatives)
    index: dict[str, list[tuple[str, ...]]] = {}
    for w in words:
        if w:
            index.setdefault(w[0], []).append(w)
    words.first = {k: tuple(v) for k, v in index.items()}
    return words


@functools.lru_cache(maxsize=256)
def _py(words: str) -> _Words:
    """``"不要|别"`` -> the alternatives as pinyin token tuples (the rules' words: converted
    once)."""
    return _words(tuple(_tokens(w)) for w in words.split("|") if w)


@dataclass(frozen=True)
class _ZhRules:
    negations: _Words
    calls: _Words
    not_after_call: frozenset[str]  # 打断, 打算 ...: the syllable after a bare 打
    unwanted: _Words
    call_nouns: _Words
    refusals_after: _Words
    removals: _Words
    numbers: _Words
    standing: _Words
    cancels: _Words  # 取消 ... 营销: unsubscribing
    marketing: _Words
    other_topics: _Words  # a complaint about fees or staff is no opt-out
    calls_to_me: _Words  # ... unless it names the calls (一直打, 骚扰)
    customer_calls: _Words  # 我不用再打电话给你们: the customer calling
    welcome: _Words  # 打电话就行
    redirect: _Words  # 别打座机，打我手机: another number, not no calls
    other_line: _Words  # 打她电话, 打我办公室座机: a call elsewhere
    reproach: _Words  # 打我手机干嘛: a call reproached, not redirected
    counterfactual: _Words  # 本来想拉黑: a standing word not meant
    concession: _Words  # 我一般不接推销的，但你说吧
    purpose: _Words  # 不用打电话确认: this one call, not all calls
    disturbed_other: _Words  # 别打扰我女儿, 别打扰我开会: not the calls
    complaints: _Words
    someone_else: _Words
    callback: _Words
    temporary: _Words
    lasting: _Words
    time_before_after: frozenset[str]  # 四点以后: 以后 means "after", not "from now on"
    not_negation_before: frozenset[str]  # 特别, 区别, 要不要
    not_negation_after: frozenset[str]  # 别人, 别的, 不要紧
    bare: _Words  # 不打, 少打: a request only with a lasting word


@functools.lru_cache(maxsize=1)
def _zh() -> _ZhRules:
    return _ZhRules(
        negations=_py(
            "不要再|别再|不用再|莫再|不要|别|莫打|莫给|不用|不许|不准|不必|甭|停止|不再|不能再|用不着|"
            "没必要|不需要再|不需要|不想再|少给我|少来|不允许|不可以再|不要老|别老|别总|"
            "拜托别|求你们别|请勿再"
        ),
        calls=_py(
            "打电话|打过来|打来|打给|打扰|来电话|来电|电话|打|联系|联络|拨打|拨|呼叫|推销|"
            "致电|通知|找我|骚扰|来烦|烦我|打搅|出现在"
        ),
        not_after_call=frozenset(
            pinyin_table()[ord(c)] for c in "断算开印车字工卡听针包理扮球架扫招发击的岔错通声"
        ),
        unwanted=_py(
            "不要再听到|不想再听到|不想再|不想|不愿意|不愿|不希望|拒绝|不接受|谢绝|拒接|不接"
        ),
        call_nouns=_py("电话|来电|推销|营销|打|联系"),
        refusals_after=_py("拒绝|谢绝|拒接|不接|不要|不想再接|不想接|不再接|不会再接"),
        removals=_py("删除|删掉|删|去掉|去除|注销|移除|拿掉|撤掉|抹掉|划掉|拿出去|清掉|清空|销毁"),
        numbers=_py("号码|号|名单|名字|信息|资料|联系方式|手机号|电话号|电话"),
        standing=_py(
            "退订|黑名单|拉黑|免打扰|勿扰|免扰|屏蔽|骚扰|拒绝营销|再打一次试试|再打试试|天天打|老是打|"
            "总是打|一天到晚打|天天来电"
        ),
        cancels=_py("取消|退掉|关掉|关闭|停掉"),
        marketing=_py("营销|推销|广告电话|营销电话|推销电话"),
        other_topics=_py(
            "手续费|收费|费用|年费|利息|服务态度|态度|网点|柜台|柜员|员工|卡被|冻结|"
            "扣款|扣钱|扣费|转账|到账|系统|账户|这个收费|卡|锁|柜员|排队|app|客服|打不通|占线"
        ),
        calls_to_me=_py(
            "给我打|打给我|打我|再打|又打|一直打|老打|总打|天天打|打过来|打来|来电|骚扰|推销|"
            "营销|这种电话|这些电话|联系我|找我|烦我|打扰"
        ),
        customer_calls=_py("给你们|给你|给银行"),
        welcome=_py("就行|就可以|就好|没问题"),
        redirect=_py(
            "打我手机|打手机|打我的手机|打我这个就行|打这个号就行|打这个就行|打座机|打我老婆的|"
            "打我老公的|打这个新号|加我微信"
        ),
        other_line=_py(
            "座机|手机|办公室|单位|公司|家里|爱人|老婆|老公|她|他|新号|新的号|儿子|女儿|这个号就行"
        ),
        reproach=_py("干嘛|干什么|做什么|为什么|怎么|又|老是|总是|天天|一直"),
        counterfactual=_py("本来|原本|差点|本想|还以为|以为"),
        concession=_py("但是你|但你|不过你|可是你|但是|不过|可是"),
        purpose=_py("确认|核实|提醒|回访|告诉我"),
        disturbed_other=_py(
            "女儿|儿子|老婆|老公|妈|爸|家人|孩子|开会|睡觉|工作|上班|吃饭|开车|休息|做事"
        ),
        complaints=_py(
            "投诉|举报|告你们|上诉|起诉|12378|12363|12315|消保|消协|消费者协会|监管|银保监|金管局|报警|曝光"
        ),
        someone_else=_py("经理|专员|人工|客服|回"),
        callback=_py(
            "改天|下周|明天|晚点|回头|过会|下次|下班|晚上|中午|下午|上午|周末|点前|点后|点以后|点钟"
        ),
        temporary=_py(
            "今天|现在|这会|这个点|上班时间|这两天|这几天|这周|今晚|这段时间|这阵子|"
            "这个时间|白天|上班|这个时候|这时候|午休|等下|等会|先别|先不用|先不要|暂时|等我"
        ),
        lasting=_py(
            "以后|再也|永远|任何|一律|今后|从此|往后|都别|都不要|都不用|什么都|哪天都|一辈子|所有|"
            "从现在开始|从现在起|从今天开始|从今天起"
        ),
        time_before_after=frozenset(pinyin_table()[ord(c)] for c in "点时班饭会"),
        not_negation_before=frozenset(pinyin_table()[ord(c)] for c in "特区分级告要用"),
        not_negation_after=frozenset(pinyin_table()[ord(c)] for c in "人的家处紧谢客"),
        bare=_py("不打|少打|不再打|不用打|不再联系|不要联系"),
    )


def _find(tokens: Sequence[str], words: _Words) -> list[tuple[int, int]]:
    """(start, end) of every occurrence of any of ``words`` in ``tokens``."""
    index = words.first
    if index.keys().isdisjoint(tokens):  # most word lists have no first syllable in a reply
        return []
    out: list[tuple[int, int]] = []
    for i, starting in enumerate(map(index.get, tokens)):
        for w in starting or ():
            n = len(w)
            if tuple(tokens[i : i + n]) == w:
                out.append((i, i + n))
    out.sort(key=lambda se: (se[0], -se[1]))
    return out


def _clause_gap(tokens: Sequence[str], a: int, b: int, limit: int) -> bool:
    return 0 <= b - a <= limit and "," not in tokens[a:b]


def _has(tokens: Sequence[str], words: _Words) -> bool:
    return bool(_find(tokens, words))


def _lasting(tokens: Sequence[str], rules: _ZhRules) -> bool:
    for s, _ in _find(tokens, rules.lasting):
        if s > 0 and tokens[s - 1] in rules.time_before_after and tokens[s] == "yi":
            continue  # 四点以后打: "after four"
        return True
    return False


def _temporary(tokens: Sequence[str], rules: _ZhRules) -> bool:
    """A time scopes the request (今天别打了, 别这个点打) or invites a later call."""
    for s, e in _find(tokens, rules.temporary):
        if s > 0 and tokens[s - 1] in ("chu", "fa", "biao") and tokens[s:e] == ["xian", "zai"]:
            continue  # 出现在, 发现在: not 现在
        if e >= len(tokens) or tokens[e] != "hua":  # 这个点 is not 这个电(话)
            return True
    for _s, e in _find(tokens, rules.callback):
        # a later time followed by a call: 改天再打, 下班后再打, 中午打
        rest = tokens[e : e + 4]
        if "da" in rest or "lian" in rest:
            return True
    return False


def _redirected(tokens: Sequence[str], rules: _ZhRules) -> bool:
    """A clause without a negation asks to be called elsewhere (别打座机，打我手机)."""
    start = 0
    for i in range(len(tokens) + 1):
        if i == len(tokens) or tokens[i] == ",":
            clause = tokens[start:i]
            if (
                (_has(clause, rules.redirect) or _calls_elsewhere(clause, rules))
                and not _negations(clause, rules)
                and "shao" not in clause
            ):
                return True
            start = i + 1
    return False


def _calls_elsewhere(clause: Sequence[str], rules: _ZhRules) -> bool:
    """打 with another line or person a few words on (打她电话, 打我办公室座机), not
    reproached (打我手机干嘛)."""
    if _has(clause, rules.reproach):
        return False
    return any(
        tokens_after and _has(tokens_after, rules.other_line)
        for tokens_after in (clause[i + 1 : i + 6] for i, t in enumerate(clause) if t == "da")
    )


def _negations(tokens: Sequence[str], rules: _ZhRules) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in _find(tokens, rules.negations):
        before = tokens[max(0, s - 5) : s]
        if _has(before, _py("没说|不是说|没有说")) and "le" not in before:
            continue  # 我没说不要电话: the customer denies having asked
        if s > 0 and tokens[s - 1] in rules.not_negation_before and len(tokens[s:e]) <= 2:
            continue  # 特别, 要不要, 用不用
        if e < len(tokens) and tokens[e] in rules.not_negation_after and e - s == 1:
            continue  # 别人, 别的
        if tokens[s:e] == ["bu", "yao"] and e < len(tokens) and tokens[e] in ("jin", "xie"):
            continue  # 不要紧
        out.append((s, e))
    return out


# Dialect and written negations -> Mandarin before the pinyin is read (唔好 and 勿 would
# read as 五号 and 五).
_DIALECT: tuple[tuple[str, str], ...] = (
    ("唔好", "不要"),
    ("唔要", "不要"),
    ("唔使", "不用"),
    ("唔系", "不是"),
    ("唔係", "不是"),
    ("咪再", "别再"),
    ("覅", "不要"),
    ("勿要", "不要"),
    ("莫要", "不要"),
    ("勿扰", "免扰"),
    ("勿", "不要"),  # as a syllable, wu is also 五 (五号再打)
    ("嚟", "来"),
    ("表再打", "别再打"),
    ("表打", "别打"),
)


_DIALECT_ANY = re.compile("|".join(re.escape(a) for a, _ in _DIALECT))


def _zh_match(text: str, phrases: _Words, vetoes: list[str]) -> OptOutHit | None:
    """The rule that makes ``text`` an opt-out; each negation rule that says it is not one
    is added to ``vetoes`` (the learned model is not asked then)."""
    rules = _zh()
    if _DIALECT_ANY.search(text):  # without one, no replace below changes the text
        for a, b in _DIALECT:
            text = text.replace(a, b)
    tokens = _tokens(text)
    if not tokens:
        return None
    for s, e in _find(tokens, rules.complaints):
        if _has(tokens, rules.other_topics) and not _has(tokens, rules.calls_to_me):
            vetoes.append("other_topic")
            break  # 我要投诉这个收费: a complaint about something else
        return OptOutHit("complaint", " ".join(tokens[s:e]))
    for s, e in _find(tokens, rules.cancels):
        for ms, me in _find(tokens, rules.marketing):
            if _clause_gap(tokens, e, ms, 6) or 0 <= s - me <= 6:
                return OptOutHit("standing_word", " ".join(tokens[min(s, ms) : max(e, me)]))
    for s, e in _find(tokens, rules.standing):
        if _has(tokens[max(0, s - 5) : s], rules.counterfactual):
            vetoes.append("counterfactual")
            continue  # 本来想拉黑你们的，但是...
        return OptOutHit("standing_word", " ".join(tokens[s:e]))
    for rs, re_ in _find(tokens, rules.removals):
        for ns, ne in _find(tokens, rules.numbers):
            ends = re_ >= len(tokens) - 2  # 我手机号不要再给你们用了，删了
            if (
                _clause_gap(tokens, ne, rs, 8)
                or _clause_gap(tokens, re_, ns, 4)
                or (ends and 0 <= rs - ne <= 10)
            ):
                return OptOutHit("remove_number", " ".join(tokens[min(rs, ns) : max(re_, ne)]))
    lasting = _lasting(tokens, rules)  # both read several times below: each once
    timed = _temporary(tokens, rules)
    if not lasting:
        for _s, e in _find(tokens, rules.concession):
            if _has(tokens[e : e + 3], _py("说|讲|继续")):
                vetoes.append("concession")
                return None  # 我一般不接推销的，但你说吧: the call goes on
    temporary = timed and not lasting
    if temporary or _redirected(tokens, rules):
        vetoes.append("temporary" if temporary else "redirected")
        return None
    reach = 10 if lasting else 6
    for s, e in _negations(tokens, rules):
        if s > 0 and tokens[s - 1] == "wo" and tokens[s:e][:2] in (["bu", "yong"], ["bu", "xu"]):
            vetoes.append("customer_calls")
            continue  # 我不用再打电话: the customer need not call
        if _has(tokens[max(0, s - 3) : s], rules.someone_else):
            vetoes.append("someone_else")
            continue  # 经理不用给我打了
        for cs, ce in _find(tokens, rules.calls):
            if not _clause_gap(tokens, e, cs, reach):
                continue
            if cs > 0 and tokens[cs - 1] == "gua":
                continue  # 别挂电话: hanging up, not calling
            if _has(tokens[ce : ce + 7], _py("经理|专员|客服")):
                vetoes.append("someone_else")
                continue  # 不用联系我的客户经理: someone else is to be called
            if _has(tokens[ce : ce + 5], rules.customer_calls):
                vetoes.append("customer_calls")
                continue  # 打电话给你们: the customer calling the bank
            if _has(tokens[ce : ce + 4], rules.purpose) and not lasting:
                vetoes.append("one_purpose")
                continue  # 不用给我打电话确认: this call's purpose is done
            if _has(tokens[cs : cs + 6], rules.welcome):
                vetoes.append("welcome")
                continue  # 别发短信，打电话就行: the call is welcome
            if tokens[cs : cs + 2] == ["da", "rao"] and _has(
                tokens[cs + 2 : cs + 5], rules.disturbed_other
            ):
                vetoes.append("disturbed_other")
                continue  # 别打扰我女儿, 不要打扰我开会
            if tokens[cs:ce] == ["tui", "xiao"] and not (lasting or _has(tokens, _py("电话|打"))):
                continue  # 别推销了: stop this pitch, not the calls
            if tokens[cs:ce] == ["da"] and ce < len(tokens) and tokens[ce] in rules.not_after_call:
                continue
            gap = tokens[e:cs]
            if _has(gap, rules.someone_else) or (cs > 0 and tokens[cs - 1] == "hui"):
                vetoes.append("someone_else")
                continue  # 不用经理给我打电话, 不用给我回电话
            return OptOutHit("negated_call", " ".join(tokens[s:ce]))
    if lasting and not timed:
        # 以后不打, 以后少打我电话: "from now on" makes it a request (not 打不打, an A-not-A)
        for s, e in _find(tokens, rules.bare):
            if e < len(tokens) and tokens[e] in rules.not_after_call:
                continue
            if s > 0 and tokens[s - 1] == tokens[e - 1]:
                continue
            return OptOutHit("negated_call", " ".join(tokens[s:e]))
    for s, e in _find(tokens, rules.unwanted):
        if tokens[max(0, s - 2) : s] in (["bu", "shi"], ["mei", "you"]):
            vetoes.append("double_negation")
            continue  # 我不是不接你们电话
        for cs, ce in _find(tokens, rules.call_nouns):
            if tokens[max(0, cs - 2) : cs] == ["mo", "sheng"]:
                continue  # 我不接陌生电话
            if _clause_gap(tokens, e, cs, 10) and not (cs > 0 and tokens[cs - 1] == "hui"):
                return OptOutHit("no_calls_wanted", " ".join(tokens[s:ce]))
    for cs, ce in _find(tokens, rules.call_nouns):
        for s, e in _find(tokens, rules.refusals_after):
            if _clause_gap(tokens, ce, s, 4) and tokens[cs:ce] != ["da"]:
                return OptOutHit("no_calls_wanted", " ".join(tokens[cs:e]))
    for s, e in _find(tokens, phrases):
        return OptOutHit("phrase", " ".join(tokens[s:e]))
    return None


# -- the matcher -------------------------------------------------------------------------

# Opt-out phrases put in every state's recognition grammar (grammar mode hears only the
# grammar's phrases): the common whole replies, in the model's words.
GRAMMAR_PHRASES: Mapping[str, tuple[str, ...]] = {
    "zh": (
        "不要再打了",
        "别再打了",
        "别打了",
        "不要打了",
        "以后别打了",
        "以后不要再打了",
        "不要再打电话了",
        "别再打电话了",
        "不要给我打电话",
        "别给我打电话了",
        "以后不要再联系我",
        "别再联系我了",
        "把我的号码删掉",
        "删掉我的号码",
        "我要投诉",
        "退订",
        "拉黑",
        "骚扰电话",
        "请停止来电",
        "拒绝电话营销",
        "不要再打扰我了",
    ),
    "ko": (
        "전화 하지 마세요",
        "전화 그만 하세요",
        "다시 연락 하지 마세요",
        "수신 거부 해 주세요",
        "번호 삭제 해 주세요",
        "신고 할 거예요",
    ),
    "en": (
        "stop calling me",
        "do not call me again",
        "don't call me again",
        "take me off your list",
        "remove my number",
        "unsubscribe",
    ),
}


class OptOutMatcher:
    """Is this utterance a request never to be called again? One per script and language;
    ``phrases`` are the script's own opt-out phrases and keywords.

    The rules decide first; when none fired and none of their negation handling said the
    reply is not an opt-out (不是不接, 今天别打了, 别打座机，打我手机 ...), the shipped
    learned model of the language (``scripts.optout_model``) decides at or above its
    threshold (rule ``classifier``). ``model=None`` keeps the rules alone."""

    def __init__(
        self,
        language: str,
        phrases: Sequence[str] = (),
        model: OptOutModel | Literal["shipped"] | None = "shipped",
    ) -> None:
        self.language = language
        self._lang = base_language(language)
        self._phrases = tuple(phrases)
        self._zh_phrases: _Words | None = None
        self._norm_phrases: tuple[str, ...] | None = None
        self._model_choice = model
        self._model: OptOutModel | None = None if model == "shipped" else model

    @property
    def model(self) -> OptOutModel | None:
        if self._model_choice == "shipped" and self._model is None:
            self._model = load_optout_model(self.language)
            self._model_choice = self._model
        return self._model

    def rules(self, text: str, vetoes: list[str] | None = None) -> OptOutHit | None:
        """The rules' reading alone; their negation vetoes are added to ``vetoes``."""
        out: list[str] = [] if vetoes is None else vetoes
        if not text or not text.strip():
            return None
        if self._lang == "zh":
            if self._zh_phrases is None:
                self._zh_phrases = _words(
                    t for t in (tuple(_tokens(p)) for p in self._phrases) if t
                )
            return _zh_match(text, self._zh_phrases, out)
        if self._norm_phrases is None:
            self._norm_phrases = tuple(normalize(p, self.language) for p in self._phrases)
        phrases = self._norm_phrases
        found = ko_match(text, phrases, out) if self._lang == "ko" else en_match(text, phrases)
        return None if found is None else OptOutHit(*found)

    def match(self, text: str) -> OptOutHit | None:
        vetoes: list[str] = []
        hit = self.rules(text, vetoes)
        if hit is not None or vetoes or not text or not text.strip():
            return hit
        model = self.model
        if model is None:
            return None
        p = model.fires(text)
        return None if p is None else OptOutHit("classifier", f"p={p:.2f}")

    def match_any(self, texts: Iterable[str]) -> OptOutHit | None:
        """The first opt-out among ASR alternatives."""
        for t in texts:
            hit = self.match(t)
            if hit is not None:
                return hit
        return None


def grammar_phrases(language: str) -> tuple[str, ...]:
    """The opt-out phrases every state's grammar carries in ``language``."""
    return GRAMMAR_PHRASES.get(base_language(language), ())
