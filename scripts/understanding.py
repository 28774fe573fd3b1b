"""What a customer's reply means at a script state: one order of reading, used by the
engine, ``tailcall scripts match`` and the benchmarks.

1. Opt-out (``scripts.optout``), in every state where the script's ``opt_out`` is heard;
   a complaint said with it stays a complaint, with the opt-out recorded, also when the
   complaint phrase is heard only by its sound (头诉 for 投诉). Where the state offers a call
   and listens for ``decline``, "no need to call" said alone (不用再打了，我自己去网点)
   declines the offer instead (``scripts.optout_offer``).
2. At the identity question, the speaker naming themselves family of the one asked for
   (``scripts.reading_zh``: 不是本人，我是他爱人) is a relative, whatever denial is said
   with it. A bare sound of assent (嗯, 嗯嗯, 嗯哼, 응; fillers, so no phrase
   can hold them) confirms who is speaking: it is how people say yes to "is that you?".
   Korean rules (``scripts.understanding_ko``, before this step: "don't connect me" where
   the call is put through, "how did you get my number?" taken out): "it's me, <name>"
   confirms, a family member as subject or speaker is a relative, 누구세요? is ``is_robot``,
   a question back or a deferral (상의해 볼게요) no intent.
3. In a state capturing a slot: a global intent's phrase (other than one that captures the
   slot itself), then the slot (a callback time), then the state's own intents.
4. The exact phrase match of the state's lexicon (``scripts.matching``), when the phrase
   is the reply or most of it.
5. The learned classifier of the script (``scripts.classifier``), when one is shipped: an
   intent the state listens for at or above its confidence threshold, unless one of the
   intent's ``not_if`` words was said, also by sound (hesitation is never agreement).
   Then two rules over its reading: a reply that says it cannot hear is no intent when
   the classifier took its "who did you say" for "who is calling" (听不清，你说找谁), took
   it for "who is calling" with no who- or what-question in it (你声音断断续续的), or only a
   short transition phrase is in it (你说 in 没听清，你说的是谁); at the identity
   question a denial phrase said with a who-question is a denial (你找哪个？我这是新号)
   and a confirmation said as the first clause (对，我就是，不过……) confirms, unless a
   relative or a denial is named or busy is read (docs/intent.md, the identity question);
   a relative phrase holding a confirming one (是我 in 这是我老伴的电话) is a relative, not the
   confirmation the classifier reads from it. A question whose topic words (an intent's
   ``topics``) name only another intent's topic is that intent's (``scripts.question_topic``:
   跟国债比哪个安全 asks about risk, not returns). A reply saying it is done already
   (``scripts.reading_zh.says_done``: 你说的这个我前天刚弄过) is the state's intent whose
   phrases say so (换过了), where the classifier read no intent, a wrong person or
   ``is_robot``. Where a call is offered, an assent as the first clause and then a time
   (行啊，晚上七点以后打) is that assent, not the busy the classifier reads from the time.
6. A phrase inside a longer reply the classifier could not read (not one it read, at or
   above its threshold, as no intent: 好我知道了，我改天自己弄 is a hesitation, not 好), or
   read as an intent with a confidence below ``UNSURE``.
7. Otherwise a no-match.
After it: where agreeing would put the call through to a person, asking to be sent the
material instead (你先发点资料给我看看) declines, and so does a Korean OK that does it later
alone or takes leave (네 알겠어요 나중에 볼게요); where it sends the material, "send it" agrees
though a hesitation voided the agreement (你发吧，我跟我爱人商量一下: ``scripts.send_instead``);
a decline by rule (``scripts.refusal_zh``: 我得问问我老婆, 亏过一次，不敢再买了),
an assent by rule (``scripts.assent_zh``: 我自己搞不来 where a person would guide, 让他回吧).
Chinese answers to a state's question: ``scripts.answer_part`` and ``scripts.no_answer_zh``.
Pure, no I/O beyond loading the shipped classifier once.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from scripts.answer_part import answer_part, answers_at
from scripts.assent_zh import AGREE, assent
from scripts.classifier import NONE, IntentClassifier, load_classifier
from scripts.hearing import (
    CALLER_WORDS,
    WHO_SAID,
    bare_yes,
    hearing_trouble,
    refuses_beyond_hearing,
)
from scripts.identity_clauses import (
    CLAUSE,
    IS_ROBOT,
    SELF_WORDS,
    WRONG_PERSON,
    first_clause,
    holds_confirmation,
    may_confirm,
)
from scripts.matching import Lexicon, Match, base_language, match_any, normalize
from scripts.no_answer_zh import no_answer
from scripts.not_if import said as not_if_said
from scripts.optout import OptOutHit
from scripts.optout_offer import declines_offered_call, offers_call
from scripts.pinyin import sound
from scripts.question_topic import Topics
from scripts.reading_zh import asks_about_staff as asks_about_staff_zh
from scripts.reading_zh import asks_requirement
from scripts.reading_zh import names_relative as names_relative_zh
from scripts.reading_zh import says_done as says_done_zh
from scripts.refusal_zh import refusal
from scripts.schema import OPT_OUT, Script
from scripts.send_instead import accepts_sent, asks_to_be_sent
from scripts.slots import parse_callback_time
from scripts.understanding_ko import before_reading, by_rule, declines_transfer
from scripts.understood import Understood

COMPLAINT = "complaint"
# the opt-out rule that read a complaint (投诉, 举报, a regulator) in the reply
COMPLAINT_RULE = "complaint"
# at the identity question a family member named as busy or away is a relative answering
RELATIVE = "relative"
BUSY = "busy"
# A phrase found inside a longer reply (对 in 我对你们的服务非常不满) decides only when it
# covers this share of the reply; otherwise a confident classifier decides, then the phrase.
PHRASE_COVERAGE = 0.6
# A reply the classifier reads as no intent this surely is not taken by a phrase inside it.
SURE_NONE = 0.8
# A classifier reading below this gives way to a phrase inside the reply (step 6).
UNSURE = 0.5
DECLINE = "decline"
# the detail of a decline read from "no need to call" where a call was offered
NO_NEED_CALL = "no_need_call"


class Understanding:
    """Reads replies at the states of one script."""

    def __init__(
        self, script: Script, classifier: IntentClassifier | Literal["shipped"] | None = "shipped"
    ) -> None:
        self.script = script
        self.opt_out = script.opt_out_matcher()
        self.classifier = (
            load_classifier(script.id, script.language) if classifier == "shipped" else classifier
        )
        self._lexicons: dict[str, Lexicon] = {}
        self._voids: dict[str, tuple[tuple[str, str], ...]] = {}
        self._heard: dict[str, tuple[tuple[str, ...], bool]] = {}
        self._offers: dict[str, bool] = {}
        self._topics = Topics(script)
        self._done_intents: dict[str, str | None] = {}

    def lexicon(self, state: str) -> Lexicon:
        lx = self._lexicons.get(state)
        if lx is None:
            lx = self.script.lexicon(state, without=(OPT_OUT,))
            self._lexicons[state] = lx
        return lx

    def grammar(self, state: str) -> tuple[str, ...]:
        """The recognition grammar of a state: the script's phrases (``all_phrases``) and
        the shipped model's widening from the fit set."""
        own = self.script.all_phrases(state)
        if self.classifier is None:
            return own
        return tuple(dict.fromkeys((*own, *self.classifier.grammar.get(state, ()))))

    def offers_call(self, state: str) -> bool:
        """Does ``state`` offer the customer a call (``scripts.optout_offer.offers_call``):
        there "no need to call" declines the offer rather than opting out."""
        offered = self._offers.get(state)
        if offered is None:
            offered = self._offers[state] = offers_call(self.script, state)
        return offered

    def listens_for(self, state: str) -> list[str]:
        """The intents a reply at ``state`` can be taken as (opt-out aside)."""
        return list(self._heard_at(state)[0])

    def _heard_at(self, state: str) -> tuple[tuple[str, ...], bool]:
        """What ``state`` listens for (opt-out aside) and whether it hears the opt-out,
        read from the script once, like its lexicon."""
        heard = self._heard.get(state)
        if heard is None:
            intents = tuple(i for i in self.script.expected_intents(state) if i != OPT_OUT)
            heard = (intents, OPT_OUT in self.script.enabled_globals(state))
            self._heard[state] = heard
        return heard

    def read(
        self,
        state: str,
        texts: Sequence[str],
        *,
        now: datetime | None = None,
        timezone: str | None = None,
    ) -> Understood:
        """The meaning of a reply (``texts``: the recogniser's text, then alternatives)."""
        st = self.script.states[state]
        u = _answer(self, state, texts, now, timezone)
        if (
            may_confirm(u)
            and st.identity is not None
            and base_language(self.script.language) == "zh"
            and texts
            and (said := self._confirming_clause(state, texts[0], u.intent != IS_ROBOT)) is not None
        ):
            # a confirmation said with a question about the caller (是我，你是谁), or the
            # speaker named last where no phrase was read (你找他？就是我呀): the next prompt
            # says who is calling and why (the recogniser's marks part the clauses)
            return Understood(st.identity.confirmed[0], 1.0, "phrase", said)
        if (
            u.intent is not None
            and u.source == "classifier"
            and _transfers(self.script, state, u.intent)
            and DECLINE in self._heard_at(state)[0]
            and texts
            and asks_to_be_sent(texts[0], self.script.language)
        ):
            # "send me the material first" where agreeing puts the call through to a person
            # declines the transfer (``scripts.send_instead``)
            return Understood(DECLINE, u.confidence, "phrase", "send_instead")
        if (
            u.source == "classifier"
            and texts
            and declines_transfer(self.script, state, u.intent, texts[0])
        ):
            # "OK, I'll look at it later" where agreeing puts the call through
            return Understood(DECLINE, u.confidence, "phrase", "not_put_through")
        if (
            u.intent is None
            and u.detail.startswith("not_if:")
            and texts
            and accepts_sent(self.script, state, voided := u.detail.split(":")[1], texts[0])
        ):
            # "send it, I'll talk it over with my wife" (你发吧，我跟我爱人商量一下): the
            # hesitation is about the product, the material is accepted
            return Understood(voided, u.confidence, "phrase", "send_it")
        if texts and not u.opted_out and (why := refusal(self.script, state, texts[0], u.intent)):
            return Understood(DECLINE, 1.0, "phrase", why)  # scripts.refusal_zh
        if (
            texts
            and u.source in ("classifier", "none")
            and (why := assent(self.script, state, texts[0], u.intent))
        ):
            return Understood(AGREE, 1.0, "phrase", why)  # scripts.assent_zh
        return u

    def _confirming_clause(self, state: str, text: str, self_only: bool) -> str | None:
        """A clause of a reply of several that confirms who is speaking on its own: the
        state's phrase as most of a clause, or the first clause read so by the classifier
        surely (a tag question or a complaint after a question is no confirmation); or the
        last clause the speaker naming themselves (就是我呀), the only one when ``self_only``."""
        # CLAUSE.split gives text, mark-or-None, text, ...: the clauses are every other part
        parts = CLAUSE.split(text)
        clauses = [c for c in parts[0::2] if normalize(c, self.script.language)]
        if len(clauses) < 2:
            return None
        identity = self.script.states[state].identity
        assert identity is not None
        if normalize(parts[-1], self.script.language) == "我":
            return parts[-1]  # the speaker naming themselves last (你找他？就是我呀, 我啊)
        if self_only:
            return None
        for i, c in enumerate(clauses):
            m = self.lexicon(state).match(c)
            if m is not None:
                if m.intent in identity.confirmed and (m.exact or m.coverage >= PHRASE_COVERAGE):
                    return c
            elif i == 0:
                g = self._guess(state, [c], None)
                if g.intent in identity.confirmed and g.confidence >= SURE_NONE:
                    return c
        return None

    def _read(
        self,
        state: str,
        texts: Sequence[str],
        *,
        now: datetime | None,
        timezone: str | None,
    ) -> Understood:
        s = self.script
        st = s.states[state]
        if base_language(s.language) == "ko" and texts:
            pre = before_reading(s, state, texts[0])  # don't connect me; my number?
            if isinstance(pre, str):
                return self._read(state, [pre, *texts[1:]], now=now, timezone=timezone)
            if pre is not None:
                return _by_rule(pre)
        m = match_any(self.lexicon(state), texts)
        if self.opt_out is not None and self._heard_at(state)[1]:
            for t in texts:
                if (hit := self.opt_out.match(t)) is None:
                    continue
                if (
                    self.offers_call(state)
                    and DECLINE in st.transitions
                    and declines_offered_call(t, s.language, self.opt_out)
                ):
                    # 不用再打了 answers the call just offered: the customer declines it
                    return Understood(DECLINE, 1.0, "phrase", f"{NO_NEED_CALL}:{hit.rule}")
                if COMPLAINT in s.global_intents and (
                    (m is not None and m.intent == COMPLAINT) or _complaint_heard(self.script, hit)
                ):
                    return Understood(COMPLAINT, 1.0, "opt_out", hit.rule, opted_out=True)
                return Understood(OPT_OUT, 1.0, "opt_out", hit.rule, opted_out=True)
        if st.identity is not None and (yes := bare_yes(self.script.language, texts)) is not None:
            return Understood(st.identity.confirmed[0], 1.0, "phrase", yes)
        if (
            st.identity is not None
            and base_language(s.language) == "zh"
            and texts
            and RELATIVE in self._heard_at(state)[0]
            and (m is None or m.intent not in s.global_intents or m.intent in (WRONG_PERSON, BUSY))
            and names_relative_zh(texts[0])
        ):
            # "not me, I'm his wife" (不是本人，我是他爱人): a relative answers, whatever
            # denial or busy is said with it
            return Understood(RELATIVE, 1.0, "phrase", "names_relative")
        strong = m is not None and (m.exact or m.coverage >= PHRASE_COVERAGE)
        if base_language(s.language) == "ko" and texts:
            rule = by_rule(
                s, state, texts[0], m, strong, lambda: self._guess(state, texts[:1], None).intent
            )
            if rule is not None:
                return _by_rule(rule)
        if st.capture is not None:
            # a global said outright comes before the slot; a short phrase inside a longer
            # reply (真人 in 你是真人还是机器, 不好 in 我也说不好) is weighed as elsewhere, after it
            if (
                m is not None
                and strong
                and m.intent in s.global_intents
                and m.intent not in st.transitions
                and s.global_intents[m.intent].capture is None
            ):
                return Understood(m.intent, 1.0, "phrase", m.phrase)
            at = now or datetime.now().astimezone()
            zone = timezone or s.metadata.timezone
            for t in texts:
                res = parse_callback_time(t, at, zone, s.language)
                if res.value is not None:
                    return Understood(None, 1.0, "slot", t, slot=res)
        if m is not None and strong:
            return Understood(m.intent, 1.0, "phrase", m.phrase)
        g = self._guess(state, texts, None)
        said = self._identity(state, texts[0], m, g) if st.identity is not None and texts else None
        if said is not None and st.identity is not None and said.intent in st.identity.confirmed:
            return said  # a confirmation said first wins over "can't hear" after it (是我，听不清)
        if (
            texts
            and (m is None or m.intent != g.intent)
            and hearing_trouble(self.script.language, texts[0])
        ):
            # "I can't hear, who did you say?" (听不清，你说找谁) or "I can't hear" alone asks
            # what was said, not who is calling; and a short phrase inside it (你说 in
            # 听不清，你说的是谁) is no answer
            norm = normalize(texts[0], s.language)
            asks = CALLER_WORDS.get(base_language(s.language), ())
            if (
                (g.intent == IS_ROBOT and any(w in norm for w in WHO_SAID))
                or (g.intent == IS_ROBOT and not any(w in norm for w in asks))
                or (g.intent is None and m is not None and m.intent not in s.global_intents)
                or (m is None and g.intent == DECLINE and not refuses_beyond_hearing(norm))
            ):
                return Understood(None, g.confidence, "none", "hearing")
        if said is not None:
            return said
        done = self._done(state, texts[0], g) if texts else None
        if done is not None:
            return done
        when = self._assent_with_time(state, texts[0], m, g, now, timezone) if texts else None
        if when is not None:
            return when
        if m is not None and m.phrase == "要" and texts and asks_requirement(texts[0]):
            m = None  # 要 in 要带身份证去啊 is "must" in a question, not "yes, I want it"
        if m is not None and g.intent is None and not self._sure_none(g):
            return Understood(m.intent, 1.0, "phrase", m.phrase)
        if m is not None and g.intent is not None and g.confidence < UNSURE:
            # a guess of one in two or less does not outweigh a phrase said (装了 in 装了，那个
            # 任务难不难，我想把积分领了, read as a refusal at 0.43)
            return Understood(m.intent, 1.0, "phrase", m.phrase)
        if texts and g.intent is not None and g.source == "classifier":
            # a question naming only another intent's topic (跟国债比哪个安全: risk)
            other = self._topics.other(state, self._heard_at(state)[0], texts[0], g.intent)
            if other is not None:
                return Understood(other[0], g.confidence, "phrase", f"topic:{other[1]}")
            if g.intent == DECLINE and (
                asked := self._topics.instead_of_refusal(state, self._heard_at(state)[0], texts[0])
            ):
                # a question on a topic with no refusal word is no refusal (靠谱吗)
                return Understood(asked[0], g.confidence, "phrase", f"topic:{asked[1]}")
            if g.intent in (IS_ROBOT, "agree") and asks_about_staff_zh(texts[0]):
                # a question about the advisor or agent (专员是谁啊, 经理贵姓): no answer yet
                return Understood(None, g.confidence, "none", "asks_about_staff")
        return g

    def _done(self, state: str, text: str, g: Understood) -> Understood | None:
        """A reply saying it is done already (``scripts.reading_zh.says_done``: 你说的这个我前天
        刚弄过) is the state's own intent whose phrases say so (换过了), where the classifier read no intent,
        a wrong person or a question about the caller."""
        if g.intent not in (None, WRONG_PERSON, IS_ROBOT) or not says_done_zh(text):
            return None
        intent = self._done_intent(state)
        return None if intent is None else Understood(intent, 1.0, "phrase", "says_done")

    def _done_intent(self, state: str) -> str | None:
        """The one intent of ``state`` (not a global) one of whose phrases says it is done."""
        if state not in self._done_intents:
            found: str | None = None
            if base_language(self.script.language) == "zh":
                own = set(self._heard_at(state)[0]) - set(self.script.global_intents)
                hits = {
                    lx.intent
                    for lx in self.lexicon(state).lexemes
                    if lx.intent in own and says_done_zh(lx.text)
                }
                found = next(iter(hits)) if len(hits) == 1 else None
            self._done_intents[state] = found
        return self._done_intents[state]

    def _assent_with_time(
        self,
        state: str,
        text: str,
        m: Match | None,
        g: Understood,
        now: datetime | None,
        timezone: str | None,
    ) -> Understood | None:
        """Where a call is offered (稍后请专员给您回电，可以吗？), an assent said as the first
        clause and then a time (行啊，晚上七点以后打) accepts the call and says when: the
        state's assent, not the busy the classifier reads from the time; unless busy is said
        (行，我在开车，晚点打)."""
        if g.intent != BUSY or (m is not None and m.intent == BUSY) or not self.offers_call(state):
            return None
        first = first_clause(text)
        if first is None:
            return None
        fm = self.lexicon(state).match(first)
        st = self.script.states[state]
        if fm is None or not fm.exact or fm.intent not in st.transitions:
            return None
        rest = text[text.find(first) + len(first) :]
        at = now or datetime.now().astimezone()
        zone = timezone or self.script.metadata.timezone
        if parse_callback_time(rest, at, zone, self.script.language).value is None:
            return None
        return Understood(fm.intent, 1.0, "phrase", f"first:{fm.phrase}")

    def _identity(self, state: str, text: str, m: Match | None, g: Understood) -> Understood | None:
        """The identity question's rule (docs/intent.md, "The identity question"): a
        denial said with a question about the caller stays a denial (你找哪个？我这是新号),
        and a confirmation said first wins over a question about the caller, a refusal or
        nothing read in what follows it (对，我就是，不过那张卡好久没用了)."""
        heard = self._heard_at(state)[0]
        if (
            m is not None
            and m.intent == WRONG_PERSON
            and g.intent == IS_ROBOT
            and WRONG_PERSON in heard
        ):
            return Understood(WRONG_PERSON, 1.0, "phrase", m.phrase)
        if (
            m is not None
            and m.intent == RELATIVE
            and g.intent is not None
            and holds_confirmation(self.script, self.lexicon(state), state, m.phrase, g.intent)
        ):
            # the phone or the person asked for is "my <kin>" (那是我家老头子, 这是我老伴的电话):
            # the confirmation the classifier reads (是我) is inside the relative phrase
            return Understood(RELATIVE, 1.0, "phrase", m.phrase)
        if m is not None and m.intent in (WRONG_PERSON, RELATIVE):
            return None
        if g.intent not in (None, IS_ROBOT, DECLINE, WRONG_PERSON):
            return None  # 对，我在开车 / 对，我是他孙子: busy or a relative said after it decide
        confirmed = self.script.states[state].identity
        first = first_clause(text)
        if confirmed is None or first is None:
            return None
        yes = confirmed.confirmed[0]
        norm = normalize(first, self.script.language)
        for lx in self.lexicon(state).lexemes:
            # the phrase said once or said again at once (是我是我, 对对对)
            said_as = lx.text and norm in (lx.text, lx.text * 2, lx.text * 3)
            if lx.intent == yes and said_as and any(w in norm for w in SELF_WORDS):
                return Understood(yes, 1.0, "phrase", f"first:{lx.text}")
        return None

    def _sure_none(self, g: Understood) -> bool:
        """The classifier read the reply as no intent (hesitation, filler) and is sure."""
        return (
            self.classifier is not None
            and g.detail == NONE
            and g.confidence >= max(self.classifier.threshold, SURE_NONE)
        )

    def _guess(self, state: str, texts: Sequence[str], only: Sequence[str] | None) -> Understood:
        if self.classifier is None or not texts or not texts[0].strip():
            return Understood(None, 0.0, "none")
        if not normalize(texts[0], self.script.language):
            # filler words only (嗯……, 哦, 那个……就是……): no intent, whatever the state's
            # prior would say (a bare assent at the identity question is read before this)
            return Understood(None, 1.0, "none", "filler")
        allowed = [i for i in self._heard_at(state)[0] if only is None or i in only]
        g = self.classifier.classify(texts[0], state, allowed)
        if g.intent is None:
            return Understood(None, g.confidence, "none", g.best)
        voids = self._not_if(g.intent)
        if voids and not self._topics.asks_about(
            state, self._heard_at(state)[0], texts[0], g.intent
        ):
            # (a question about the intent's own topic is not voided: 期限短一点的话可以考虑，
            # 有三个月的吗 asks about the product's term)
            norm = normalize(texts[0], self.script.language)
            for w, nw in voids:
                if not_if_said(nw, norm, self.script.language):
                    return Understood(None, g.confidence, "none", f"not_if:{g.intent}:{w}")
        return Understood(g.intent, g.confidence, "classifier", g.best)

    def _not_if(self, intent: str) -> tuple[tuple[str, str], ...]:
        """An intent's ``not_if`` words, each with its normalised form (the empty ones
        left out), normalised once."""
        voids = self._voids.get(intent)
        if voids is None:
            it = self.script.intent(intent)
            lang = self.script.language
            words = it.not_if_for(lang) if it is not None else ()
            voids = tuple((w, nw) for w in words if (nw := normalize(w, lang)))
            self._voids[intent] = voids
        return voids


def _transfers(script: Script, state: str, intent: str) -> bool:
    """Whether ``intent`` at ``state`` goes to a state that puts the call through."""
    target = script.states[state].targets().get(intent)
    to = script.states.get(target.to) if target is not None else None
    return to is not None and to.handoff is not None and to.handoff.offer


def _complaint_heard(script: Script, hit: OptOutHit) -> bool:
    """The opt-out rules read a complaint whose words sound like one of the script's
    complaint phrases: the phrase in a recognition-error spelling (头诉, 投素 for 投诉),
    which the phrase match, comparing characters, does not find."""
    if hit.rule != COMPLAINT_RULE or base_language(script.language) != "zh":
        return False
    phrases = script.global_intents[COMPLAINT].phrases_for(script.language)
    said = f" {hit.words} "
    return any(said in sound(p) for p in phrases)


def _by_rule(rule: tuple[str | None, str]) -> Understood:
    """A reading of the Korean rules (intent or None, the rule) as an understanding."""
    return Understood(rule[0], 1.0, "phrase" if rule[0] else "none", rule[1])


def _answer(
    und: Understanding,
    state: str,
    texts: Sequence[str],
    now: datetime | None,
    timezone: str | None,
) -> Understood:
    """A reply's reading before the rules over it; a Chinese answer to the state's question
    is read by ``scripts.answer_part`` and ``scripts.no_answer_zh``."""
    read = functools.partial(und._read, state, now=now, timezone=timezone)
    if not texts or not answers_at(und.script, state):
        return read(texts)
    if (part := answer_part(texts[0])) is not None:
        whole, answer = read(texts), und.read(state, [part], now=now, timezone=timezone)
        return whole if whole.opted_out or answer.intent is None else answer
    u = read(texts)
    why = no_answer(u, texts[0], und.script, state, read)
    return u if why is None else Understood(None, u.confidence, "none", why)
