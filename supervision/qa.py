"""Quality checks (质检) on a finished call: pure rules over the call's facts, no I/O.

Each rule reads ``QaFacts`` (gathered by ``supervision.qa_service``) and returns the
flags it raises, each naming its rule and what it saw:

- ``disclosure_missing``: the bot spoke, but no state that carries the script's required
  disclosure (who calls, automated, recorded) was played;
- ``blocklisted_promise``: a bot or agent line holds a blocklisted promise (保本, 稳赚,
  guaranteed return, ...), not negated right before it (本产品不保本 is a disclaimer);
- ``opt_out_ignored``: the customer said "stop calling me" and the call did not record an
  opt-out, or the customer was already suppressed when the call was dialed;
- ``outside_window`` / ``over_cap``: dialed outside the campaign's hours or weekdays in the
  customer's local time, or more dials that local day than the cap allows;
- ``human_denied``: the customer asked for a person and no agent took the call;
- ``long_silence``: nobody spoke for longer than the policy allows;
- ``agent_overlap``: an agent started speaking while the customer was still talking.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time

from dialogue.speech.search_terms import normalise
from scripts.optout import OptOutMatcher
from scripts.promises import find_promises

BLOCKLIST: tuple[str, ...] = (
    "保本",
    "保收益",
    "稳赚",
    "无风险",
    "零风险",
    "保证收益",
    "肯定不会亏",
    "guaranteed return",
    "risk-free",
    "no risk",
    "원금 보장",
    "무위험",
)
NEGATIONS: tuple[str, ...] = ("不", "非", "没有", "并非", "not ", "no ", "아닌", "않")
OPT_OUT_WORDS: tuple[str, ...] = (
    "不要再打",
    "别再打",
    "不要打了",
    "别打了",
    "不要给我打",
    "别给我打",
    "拉黑",
    "stop calling",
    "don't call",
    "do not call",
    "전화하지 마",
    "전화 하지 마",
    "연락하지 마",
)
HUMAN_WORDS: tuple[str, ...] = (
    "人工",
    "真人",
    "客服",
    "转接",
    "human",
    "real person",
    "agent",
    "representative",
    "상담원",
    "직원",
)


@dataclass(frozen=True)
class Line:
    speaker: str  # customer | bot | agent
    text: str
    start_s: float
    end_s: float
    state: str = ""


@dataclass(frozen=True)
class QaPolicy:
    blocklist: tuple[str, ...] = BLOCKLIST
    opt_out_words: tuple[str, ...] = OPT_OUT_WORDS
    human_words: tuple[str, ...] = HUMAN_WORDS
    max_silence_s: float = 8.0
    min_overlap_s: float = 0.8


@dataclass(frozen=True)
class QaFacts:
    lines: Sequence[Line]
    disclosure_states: frozenset[str] = frozenset()  # states whose prompt is the disclosure
    opted_out: bool = False  # the call recorded an opt-out
    suppressed_before_dial: bool = False  # opt-out / do-not-call already stood at dial time
    handoff_result: str | None = None
    dialed_local: datetime | None = None  # the dial, in the customer's local time
    window_weekdays: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
    window_hours: tuple[tuple[time, time], ...] = ()
    dials_that_day: int = 1  # dials of this customer that local day, this one included
    max_dials_per_day: int | None = None
    language: str = "zh-CN"  # the script's, for reading promises (scripts.promises)


@dataclass(frozen=True)
class Flag:
    """A rule's finding: ``detail`` in English (API, exports); ``key`` and ``args`` let a
    page say the same in its own language (``supervision.flag_text``)."""

    code: str
    detail: str
    at_s: float | None = None
    key: str = ""
    args: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class _Ctx:
    facts: QaFacts
    policy: QaPolicy
    flags: list[Flag] = field(default_factory=list)


def _said(text: str, phrases: Sequence[str]) -> str | None:
    hay = normalise(text)
    for p in phrases:
        if normalise(p) in hay:
            return p
    return None


def disclosure_missing(ctx: _Ctx) -> None:
    f = ctx.facts
    bot = [ln for ln in f.lines if ln.speaker == "bot"]
    if not f.disclosure_states or not bot:
        return
    if not any(ln.state in f.disclosure_states for ln in bot):
        states = ", ".join(sorted(f.disclosure_states))
        ctx.flags.append(
            Flag(
                "disclosure_missing",
                f"no bot line from {states}",
                bot[0].start_s,
                "disclosure_missing",
                (("states", states),),
            )
        )


def _negated(hay: str, at: int) -> bool:
    before = hay[max(0, at - 4) : at]
    return any(before.endswith(n) for n in NEGATIONS)


def blocklisted_promise(ctx: _Ctx) -> None:
    for ln in ctx.facts.lines:
        if ln.speaker not in ("bot", "agent"):
            continue
        # a promise in any wording (肯定不会亏、年化百分之八), read the way the script lint reads
        promised = find_promises(ln.text, ctx.facts.language)
        if promised:
            said = promised[0].clause
            ctx.flags.append(
                Flag(
                    "blocklisted_promise",
                    f"{ln.speaker}: {said}",
                    ln.start_s,
                    f"promise_{ln.speaker}",
                    (("words", said),),
                )
            )
            continue
        hay = normalise(ln.text)
        for p in ctx.policy.blocklist:
            at = hay.find(normalise(p))
            while at >= 0 and _negated(hay, at):
                at = hay.find(normalise(p), at + 1)
            if at >= 0:
                ctx.flags.append(
                    Flag(
                        "blocklisted_promise",
                        f"{ln.speaker}: {p}",
                        ln.start_s,
                        f"promise_{ln.speaker}",
                        (("words", p),),
                    )
                )
                break


def opt_out_ignored(ctx: _Ctx) -> None:
    f = ctx.facts
    if f.suppressed_before_dial:
        ctx.flags.append(Flag("opt_out_ignored", "called while suppressed", 0.0, "suppressed"))
        return
    if f.opted_out:
        return
    for ln in f.lines:
        if ln.speaker == "customer":
            # the engine's own matcher (scripts.optout): one reading of "stop calling me"
            hit = OptOutMatcher(_language_of(ln.text), ctx.policy.opt_out_words).match(ln.text)
            if hit is not None:
                ctx.flags.append(
                    Flag(
                        "opt_out_ignored",
                        f"customer: {hit.words}",
                        ln.start_s,
                        "opt_out_said",
                        (("words", hit.words),),
                    )
                )
                return


def _language_of(text: str) -> str:
    """The language a customer line is in, by its script (Hangul, Han, else English)."""
    if any("\uac00" <= ch <= "\ud7a3" for ch in text):
        return "ko-KR"
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return "zh-CN"
    return "en-US"


def outside_window(ctx: _Ctx) -> None:
    f = ctx.facts
    local = f.dialed_local
    if local is None:
        return
    if local.weekday() not in f.window_weekdays:
        day = local.weekday()
        ctx.flags.append(
            Flag(
                "outside_window",
                f"dialed on weekday {day}",
                None,
                "weekday",
                (("weekday", str(day)),),
            )
        )
    elif f.window_hours and not any(a <= local.time() < b for a, b in f.window_hours):
        hhmm = f"{local:%H:%M}"
        ctx.flags.append(
            Flag(
                "outside_window",
                f"dialed at {hhmm} local time",
                None,
                "hours",
                (("time", hhmm),),
            )
        )
    if f.max_dials_per_day is not None and f.dials_that_day > f.max_dials_per_day:
        n, cap = str(f.dials_that_day), str(f.max_dials_per_day)
        ctx.flags.append(
            Flag(
                "over_cap",
                f"{n} dials that day (cap {cap})",
                None,
                "over_cap",
                (("n", n), ("cap", cap)),
            )
        )


def human_denied(ctx: _Ctx) -> None:
    if ctx.facts.handoff_result == "accepted":
        return
    for ln in ctx.facts.lines:
        if ln.speaker == "customer":
            said = _said(ln.text, ctx.policy.human_words)
            if said:
                result = ctx.facts.handoff_result or "no handoff"
                ctx.flags.append(
                    Flag(
                        "human_denied",
                        f"asked for {said}: {result}",
                        ln.start_s,
                        "human_denied",
                        (("words", said), ("result", result)),
                    )
                )
                return


def long_silence(ctx: _Ctx) -> None:
    lines = sorted(ctx.facts.lines, key=lambda ln: ln.start_s)
    last_end: float | None = None
    for ln in lines:
        if last_end is not None and ln.start_s - last_end > ctx.policy.max_silence_s:
            gap = ln.start_s - last_end
            secs = f"{gap:.1f}"
            ctx.flags.append(
                Flag(
                    "long_silence",
                    f"{secs} s without speech",
                    last_end,
                    "long_silence",
                    (("s", secs),),
                )
            )
            return
        last_end = ln.end_s if last_end is None else max(last_end, ln.end_s)


def agent_overlap(ctx: _Ctx) -> None:
    customer = [ln for ln in ctx.facts.lines if ln.speaker == "customer"]
    for ln in ctx.facts.lines:
        if ln.speaker != "agent":
            continue
        for c in customer:
            if c.start_s < ln.start_s < c.end_s:
                overlap = min(c.end_s, ln.end_s) - ln.start_s
                if overlap >= ctx.policy.min_overlap_s:
                    secs = f"{overlap:.1f}"
                    ctx.flags.append(
                        Flag(
                            "agent_overlap",
                            f"{secs} s over the customer",
                            ln.start_s,
                            "agent_overlap",
                            (("s", secs),),
                        )
                    )
                    return


RULES: tuple[Callable[[_Ctx], None], ...] = (
    disclosure_missing,
    blocklisted_promise,
    opt_out_ignored,
    outside_window,
    human_denied,
    long_silence,
    agent_overlap,
)
FLAG_CODES: tuple[str, ...] = (
    "disclosure_missing",
    "blocklisted_promise",
    "opt_out_ignored",
    "outside_window",
    "over_cap",
    "human_denied",
    "long_silence",
    "agent_overlap",
)


def check(facts: QaFacts, policy: QaPolicy | None = None) -> list[Flag]:
    """Every flag the rules raise on ``facts``."""
    ctx = _Ctx(facts, policy or QaPolicy())
    for rule in RULES:
        rule(ctx)
    return ctx.flags
