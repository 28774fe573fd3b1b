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
meant (``scripts.optout_zh``). Korean is compared without spaces, with the recogniser's
common respellings; English by words (both in ``scripts.optout_ko_en``). Pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from scripts.matching import base_language, normalize
from scripts.optout_ko_en import en_match, ko_match
from scripts.optout_model import OptOutModel, load_optout_model
from scripts.optout_zh import zh_match
from scripts.optout_zh_words import ZhWords, zh_tokens, zh_words


@dataclass(frozen=True)
class OptOutHit:
    """Why an utterance is an opt-out: the rule and the words that made it one."""

    rule: str  # negated_call, no_calls_wanted, remove_number, standing_word, complaint,
    # phrase, classifier (the learned model, when no rule fired)
    words: str


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
        "以后都别打了",
        "别再给我打了",
        "把我号码删了",
        "把我的号码删掉",
        "把我从名单里删掉",
        "取消订阅",
        "我不需要电话营销",
        "不要再联系我了",
        "别再骚扰我了",
        "别再推销了以后别打了",
        "再打我就投诉",
        "我要去银保监会投诉",
        "请不要再给我打电话",
        "这是骚扰电话",
        "以后别打这个号码了",
        "你们烦不烦啊天天打",
        "天天打电话有完没完",
    ),
    # not "광고 전화 안 받습니다": with the lone syllable 안 in every state's grammar, Vosk
    # heard "상담원 연결" as "안 상담원 연결", no phrase of the state (the rules still read it)
    "ko": (
        "전화 하지 마세요",
        "전화 그만 하세요",
        "다시 연락 하지 마세요",
        "수신 거부 해 주세요",
        "번호 삭제 해 주세요",
        "신고 할 거예요",
        "전화 하지 마",
        "연락 하지 마세요",
        "다시는 연락 하지 마세요",
        "앞으로 전화 하지 마세요",
        "두 번 다시 전화 하지 마세요",
        "번호 지워 주세요",
        "제 번호 지워 주세요",
        "수신 거부",
        "수신 거부 할게요",
        "마케팅 전화 거부 합니다",
        "귀찮게 하지 마세요",
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
        self._zh_phrases: ZhWords | None = None
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
                self._zh_phrases = zh_words(
                    t for t in (tuple(zh_tokens(p)) for p in self._phrases) if t
                )
            found = zh_match(text, self._zh_phrases, out)
            return None if found is None else OptOutHit(*found)
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
