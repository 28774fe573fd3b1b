"""The script linter: each rule is a function of (script, config) yielding findings.

Rules (ids as printed): schema, undefined-state, undefined-intent, undefined-slot,
undeclared-variable, unknown-column, unreachable-state, no-way-out, opt-out-unreachable,
missing-global-intent, robot-answer, missing-disclosure, missing-recording-notice,
disclosure-barge-in, promise, required-statement, blocklist, prompt-too-long,
duplicate-phrase.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from kernel.errors import TailcallError
from scripts import identity
from scripts.loader import ScriptLoadError, load_script
from scripts.matching import normalize
from scripts.promises import disclaims, find_promises
from scripts.schema import BUILTIN_VARIABLES, REQUIRED_GLOBALS, Intent, Script, placeholders

Severity = Literal["error", "warning"]

STANDARD_COLUMNS: frozenset[str] = frozenset(
    {"name", "phone", "points", "star_level", "aum_band", "branch", "tags"}
)
# Words a bank bans outright (a negated use, 不保本, is a disclaimer and passes). Promised
# returns in any wording are the `promise` rule's (scripts.promises), not a word list's.
DEFAULT_BLOCKLIST: tuple[str, ...] = (
    "保本",
    "稳赚",
    "无风险",
    "保证收益",
    "零风险",
    "guaranteed return",
    "risk-free",
    "no risk",
    "원금 보장",
    "무위험",
)
# Statements a script must speak, uninterruptible, before any transfer, per product type
# and base language (any one of the wordings; compared without punctuation or spaces).
REQUIRED_STATEMENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "wealth": {
        "zh": ("理财有风险，投资需谨慎", "理财非存款，产品有风险，投资须谨慎"),
        "en": ("investing involves risk", "investments carry risk"),
        "ko": ("투자에는 위험이 따릅니다", "원금 손실이 발생할 수 있습니다"),
    },
}
# Words that show the opening says the call is automated / recorded, per base language.
AUTOMATED_WORDS: dict[str, tuple[str, ...]] = {
    "zh": ("智能", "语音助手", "自动", "机器人", "人工智能"),
    "en": ("automated", "virtual assistant", "recorded message", "automatic", "ai assistant"),
    "ko": ("자동", "인공 지능", "인공지능", "음성 안내", "로봇", "ai"),
}
RECORDING_WORDS: dict[str, tuple[str, ...]] = {
    "zh": ("录音",),
    "en": ("recorded", "recording"),
    "ko": ("녹음",),
}
# Comfortable speaking rate (units per second) and the longest comfortable prompt (s).
SPEECH_RATE: dict[str, float] = {"zh": 4.5, "ko": 6.0, "ja": 7.0}
WORDS_PER_SECOND = 2.5
MAX_PROMPT_SECONDS = 20.0


@dataclass(frozen=True)
class Finding:
    severity: Severity
    rule: str
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.severity}[{self.rule}] {self.message}"


@dataclass(frozen=True)
class LintConfig:
    columns: frozenset[str] = STANDARD_COLUMNS
    blocklist: tuple[str, ...] = DEFAULT_BLOCKLIST
    max_prompt_seconds: float = MAX_PROMPT_SECONDS


@dataclass
class _Ctx:
    script: Script
    config: LintConfig
    out: list[Finding] = field(default_factory=list)

    def add(self, severity: Severity, rule: str, path: tuple[str | int, ...], msg: str) -> None:
        self.out.append(Finding(severity, rule, self.script.source, self.script.line_of(path), msg))


Rule = Callable[[_Ctx], None]
RULES: list[Rule] = []


def rule(fn: Rule) -> Rule:
    RULES.append(fn)
    return fn


def _base(script: Script) -> str:
    return script.language.split("-")[0]


# --------------------------------------------------------------------------- rules
@rule
def references(ctx: _Ctx) -> None:
    """undefined-state / undefined-intent / undefined-slot: names that lead nowhere."""
    for rule_id, path, msg in ctx.script.reference_problems():
        ctx.add("error", rule_id, path, msg)


def _graph(script: Script) -> dict[str, set[str]]:
    return {
        sid: {t for _, t in script.successors(sid) if t in script.states} for sid in script.states
    }


def _reach(graph: dict[str, set[str]], start: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    todo = [s for s in start if s in graph]
    while todo:
        s = todo.pop()
        if s not in seen:
            seen.add(s)
            todo.extend(graph[s] - seen)
    return seen


@rule
def unreachable_states(ctx: _Ctx) -> None:
    """unreachable-state: no path from the start leads here."""
    reach = _reach(_graph(ctx.script), [ctx.script.start])
    for sid in ctx.script.states:
        if sid not in reach:
            ctx.add("error", "unreachable-state", ("states", sid), f"state {sid!r} is unreachable")


@rule
def no_way_out(ctx: _Ctx) -> None:
    """no-way-out: a state from which no end state can be reached."""
    graph = _graph(ctx.script)
    ends = {sid for sid, st in ctx.script.states.items() if st.is_end}
    for sid, st in ctx.script.states.items():
        if st.is_end:
            continue
        if not graph[sid]:
            ctx.add("error", "no-way-out", ("states", sid), f"state {sid!r} has no way out")
        elif not (_reach(graph, [sid]) & ends):
            ctx.add(
                "error",
                "no-way-out",
                ("states", sid),
                f"state {sid!r} never reaches an end state (a loop with no exit)",
            )


@rule
def variables(ctx: _Ctx) -> None:
    """undeclared-variable / unknown-column: every {variable} is filled from a list column."""
    s = ctx.script
    known = set(s.variables) | BUILTIN_VARIABLES | s.slot_names()
    for ref in s.texts():
        for name in placeholders(ref.text):
            if name not in known:
                ctx.add(
                    "error",
                    "undeclared-variable",
                    ref.path,
                    f"{{{name}}} is not a declared variable or slot",
                )
    for name, var in s.variables.items():
        col = var.column or name
        if col not in ctx.config.columns:
            ctx.add(
                "error",
                "unknown-column",
                ("variables", name),
                f"variable {name!r} reads column {col!r}, which no call-list column provides "
                f"(known: {', '.join(sorted(ctx.config.columns))}; add others with --columns)",
            )


def _opted_out_end(script: Script, sid: str) -> bool:
    """The state ends the call as opted out, directly or through `next`."""
    for _ in range(len(script.states)):
        st = script.states.get(sid)
        if st is None:
            return False
        if st.end is not None:
            return st.end.disposition == "opted_out"
        if st.next is None:
            return False
        sid = st.next
    return False


@rule
def opt_out(ctx: _Ctx) -> None:
    """opt-out-unreachable: in every non-end state the customer can opt out."""
    s = ctx.script
    g = s.global_intents.get("opt_out")
    if g is None:
        ctx.add(
            "error",
            "opt-out-unreachable",
            ("global_intents",),
            "no `opt_out` global intent: customers must be able to opt out in every state",
        )
        return
    if g.to is None or g.to not in s.states or not _opted_out_end(s, g.to):
        ctx.add(
            "error",
            "opt-out-unreachable",
            ("global_intents", "opt_out", "to"),
            "opt_out must lead to an end state with disposition `opted_out`",
        )
    for sid, st in s.states.items():
        if st.is_end:
            continue
        local = st.targets().get("opt_out")
        if "opt_out" in st.disable_globals or (
            local is not None and not _opted_out_end(s, local.to)
        ):
            ctx.add(
                "error",
                "opt-out-unreachable",
                ("states", sid),
                f"the customer cannot opt out in state {sid!r}",
            )


@rule
def personal_before_identity(ctx: _Ctx) -> None:
    """personal-before-identity: nothing personal before the customer confirms who they are."""
    for leak in identity.leaks(ctx.script):
        ctx.add("error", "personal-before-identity", leak.path, leak.message)


@rule
def required_globals(ctx: _Ctx) -> None:
    """missing-global-intent / robot-answer: the standard global intents exist."""
    s = ctx.script
    for name in REQUIRED_GLOBALS:
        if name != "opt_out" and name not in s.global_intents:
            ctx.add(
                "warning",
                "missing-global-intent",
                ("global_intents",),
                f"no `{name}` global intent",
            )
    robot = s.global_intents.get("is_robot")
    if robot is not None:
        words = AUTOMATED_WORDS.get(_base(s), ())
        text = (robot.answer or "").lower()
        if robot.answer is None or (words and not any(w in text for w in words)):
            ctx.add(
                "error",
                "robot-answer",
                ("global_intents", "is_robot"),
                "the answer to 'is this a robot?' must say the call is automated",
            )


def _opening(s: Script) -> list[str]:
    """The states spoken before the first question: start and its `next` chain."""
    out: list[str] = []
    sid: str | None = s.start
    while sid is not None and sid in s.states and sid not in out:
        out.append(sid)
        sid = s.states[sid].next
    return out


@rule
def disclosure(ctx: _Ctx) -> None:
    """missing-disclosure / missing-recording-notice / disclosure-barge-in."""
    s = ctx.script
    opening = _opening(s)
    if not opening:
        return
    flags = {"caller": False, "automated": False, "purpose": False, "recording": False}
    text = ""
    for sid in opening:
        st = s.states[sid]
        if st.disclosure is not None:
            for k in flags:
                flags[k] = flags[k] or getattr(st.disclosure, k)
            if st.barge_in:
                ctx.add(
                    "warning",
                    "disclosure-barge-in",
                    ("states", sid, "barge_in"),
                    "a disclosure should not be interruptible (barge_in: false)",
                )
        text += " " + st.prompt + " " + " ".join(st.variants.values())
    text = text.lower()
    path = ("states", opening[0])
    base = _base(s)
    for what, label in (
        ("caller", "who is calling"),
        ("automated", "that the call is automated"),
        ("purpose", "why we call"),
    ):
        if not flags[what]:
            ctx.add(
                "error",
                "missing-disclosure",
                path,
                f"the opening does not declare `disclosure.{what}` ({label})",
            )
    if flags["caller"] and "{bank}" not in text and s.metadata.organization.lower() not in text:
        ctx.add("error", "missing-disclosure", path, "the opening does not name the bank ({bank})")
    words = AUTOMATED_WORDS.get(base, ())
    if flags["automated"] and words and not any(w in text for w in words):
        ctx.add(
            "error",
            "missing-disclosure",
            path,
            "the opening text does not say the call is automated",
        )
    rec = RECORDING_WORDS.get(base, ())
    if not flags["recording"]:
        ctx.add(
            "error",
            "missing-recording-notice",
            path,
            "the opening does not declare `disclosure.recording`",
        )
    elif rec and not any(w in text for w in rec):
        ctx.add(
            "error",
            "missing-recording-notice",
            path,
            "the opening text does not say the call is recorded",
        )


def _fold(text: str) -> str:
    return re.sub(r"[\s\-]+", "", text.lower())


@rule
def promises(ctx: _Ctx) -> None:
    """promise: a promised return or guarantee in any wording (negated ones are disclaimers)."""
    language = ctx.script.language
    for ref in ctx.script.texts():
        for found in find_promises(ref.text, language):
            ctx.add("error", "promise", ref.path, f"the bot {found}")


def _speaks(text: str, wordings: Iterable[str]) -> bool:
    folded = re.sub(r"[\s\W_]+", "", text.lower())
    return any(re.sub(r"[\s\W_]+", "", w.lower()) in folded for w in wordings)


@rule
def required_statements(ctx: _Ctx) -> None:
    """required-statement: the product type's statements, uninterruptible, before a transfer."""
    s = ctx.script
    wordings = REQUIRED_STATEMENTS.get(s.metadata.product_type, {}).get(_base(s), ())
    if not wordings:
        return
    said = {
        sid
        for sid, st in s.states.items()
        if not st.barge_in and any(_speaks(t, wordings) for t in (st.prompt, *st.variants.values()))
    }
    want = f"{s.metadata.product_type} scripts must say {wordings[0]!r} with barge_in: false"
    if not said:
        ctx.add("error", "required-statement", ("metadata", "product_type"), want)
        return
    graph = _graph(s)
    # States reached from the start without passing a state that says the statement.
    seen: set[str] = set()
    todo = [s.start] if s.start not in said else []
    while todo:
        sid = todo.pop()
        if sid in seen or sid not in graph:
            continue
        seen.add(sid)
        todo.extend(t for t in graph[sid] if t not in said)
    for sid in sorted(seen):
        if s.states[sid].handoff is not None:
            ctx.add(
                "error",
                "required-statement",
                ("states", sid, "handoff"),
                f"{want}; a path reaches this transfer without it",
            )


@rule
def blocklist(ctx: _Ctx) -> None:
    """blocklist: banned words in anything the bot says, unless said under a negation."""
    banned = [(b, _fold(b)) for b in ctx.config.blocklist if b.strip()]
    for ref in ctx.script.texts():
        folded = _fold(ref.text)
        for raw, b in banned:
            if b and b in folded and not disclaims(ref.text, raw, ctx.script.language):
                ctx.add("error", "blocklist", ref.path, f"banned phrase {raw!r}")


def speaking_seconds(text: str, language: str) -> float:
    """Rough time to speak ``text`` at a comfortable rate."""
    base = language.split("-")[0]
    plain = re.sub(r"\{[^}]*\}", "xx", text)
    if base in SPEECH_RATE:
        units = len(re.findall(r"\w", plain))
        return units / SPEECH_RATE[base]
    return len(plain.split()) / WORDS_PER_SECOND


@rule
def prompt_length(ctx: _Ctx) -> None:
    """prompt-too-long: a prompt takes too long to say comfortably."""
    for ref in ctx.script.texts():
        secs = speaking_seconds(ref.text, ctx.script.language)
        if secs > ctx.config.max_prompt_seconds:
            ctx.add(
                "warning",
                "prompt-too-long",
                ref.path,
                f"about {secs:.0f} s to say (limit {ctx.config.max_prompt_seconds:.0f} s): "
                "split it or shorten it",
            )


@rule
def duplicate_phrases(ctx: _Ctx) -> None:
    """duplicate-phrase: one phrase means two intents a state listens for."""

    s = ctx.script
    reported: set[tuple[str, ...]] = set()
    for sid in s.states:
        owner: dict[str, str] = {}
        for name in s.expected_intents(sid):
            it = s.intent(name)
            if it is None:
                continue
            for p in it.phrases_for(s.language):
                n = normalize(p, s.language)
                other = owner.setdefault(n, name)
                key = (n, *sorted((other, name)))
                if other != name and key not in reported:
                    reported.add(key)
                    ctx.add(
                        "warning",
                        "duplicate-phrase",
                        ("states", sid),
                        f"phrase {p!r} belongs to both {other!r} and {name!r}",
                    )


@rule
def never_matching_phrases(ctx: _Ctx) -> None:
    """never-matches: a phrase contains one of its own intent's ``not_if`` words."""

    s = ctx.script
    lang = s.language
    sep = "" if _base(s) in ("zh", "ko", "ja") else " "  # whole words outside CJK
    for section in ("intents", "global_intents"):
        table: dict[str, Intent] = dict(getattr(s, section))
        for name, it in table.items():
            voids = [(w, normalize(w, lang)) for w in it.not_if_for(lang)]
            for p in (*it.phrases_for(lang), *it.keywords):
                n = normalize(p, lang)
                for w, nw in voids:
                    if nw and f"{sep}{nw}{sep}" in f"{sep}{n}{sep}":
                        ctx.add(
                            "warning",
                            "never-matches",
                            (section, name),
                            f"{name!r} phrase {p!r} contains its not_if word {w!r}: "
                            "it can never match",
                        )


# --------------------------------------------------------------------------- running
def lint_script(script: Script, config: LintConfig | None = None) -> list[Finding]:
    ctx = _Ctx(script, config or LintConfig())
    for r in RULES:
        r(ctx)
    return sorted(ctx.out, key=lambda f: (f.file, f.line or 0, f.rule))


def lint_path(path: str | Path, config: LintConfig | None = None) -> list[Finding]:
    """Lint one file; load errors become `schema` findings."""
    try:
        script = load_script(path)
    except ScriptLoadError as exc:
        return [
            Finding(
                "error",
                "schema",
                p.file,
                p.line,
                f"{p.field}: {p.message}" if p.field else p.message,
            )
            for p in exc.problems
        ]
    except TailcallError as exc:
        return [Finding("error", "schema", str(path), None, exc.message)]
    return lint_script(script, config)


def lint_paths(paths: Iterable[str | Path], config: LintConfig | None = None) -> Iterator[Finding]:
    for p in expand(paths):
        yield from lint_path(p, config)


def expand(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; directories become their *.yaml files."""
    out: list[Path] = []
    for p in map(Path, paths):
        out.extend(sorted(p.glob("*.yaml")) if p.is_dir() else [p])
    return out


def read_blocklist(path: str | Path) -> tuple[str, ...]:
    """One phrase per line; blank lines and # comments ignored."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return tuple(ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#"))
