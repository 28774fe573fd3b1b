"""Identity first: nothing personal is said before the customer confirms who they are.

A script's ``identity`` state asks who answered; only its ``confirmed`` intents lead on to
the states that may name the customer's points, products or balances. Every state the
call can reach before that (the opening, the identity question's re-asks, a relative's or
a wrong number's ending, a busy customer's callback question) and every text said in any
state (defaults, global answers) must not speak a personal variable; the identity
question itself may say the name (``may_say``). Pure: the linter reports what this finds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from scripts.schema import Script, placeholders


@dataclass(frozen=True)
class Leak:
    """A personal variable spoken before the customer's identity is confirmed."""

    path: tuple[str | int, ...]
    variable: str
    message: str


def identity_states(script: Script) -> list[str]:
    return [sid for sid, st in script.states.items() if st.identity is not None]


def before_identity(script: Script) -> set[str]:
    """States the call can reach from the start without a confirmed identity."""
    seen: set[str] = set()
    todo = [script.start]
    while todo:
        sid = todo.pop()
        if sid in seen or sid not in script.states:
            continue
        seen.add(sid)
        st = script.states[sid]
        confirmed = st.identity.confirmed if st.identity is not None else ()
        for intent, target in script.successors(sid):
            if intent not in confirmed:
                todo.append(target)
    return seen


def _state_texts(script: Script, sid: str) -> Iterator[tuple[tuple[str | int, ...], str]]:
    st = script.states[sid]
    yield ("states", sid, "prompt"), st.prompt
    for name, text in st.variants.items():
        yield ("states", sid, "variants", name), text
    if st.reprompt:
        yield ("states", sid, "reprompt"), st.reprompt
    for kind in ("no_input", "no_match"):
        r = getattr(st, kind)
        if r is not None and r.prompt:
            yield ("states", sid, kind, "prompt"), r.prompt
    if st.handoff is not None and st.handoff.bridging:
        yield ("states", sid, "handoff", "bridging"), st.handoff.bridging


def _anywhere_texts(script: Script) -> Iterator[tuple[tuple[str | int, ...], str]]:
    yield ("defaults", "bridging"), script.defaults.bridging
    for kind in ("no_input", "no_match"):
        r = getattr(script.defaults, kind)
        if r.prompt:
            yield ("defaults", kind, "prompt"), r.prompt
    for gid, g in script.global_intents.items():
        if g.answer:
            yield ("global_intents", gid, "answer"), g.answer


def leaks(script: Script) -> list[Leak]:
    """Personal variables spoken where the customer's identity is not yet confirmed."""
    personal = {name for name, v in script.variables.items() if v.personal}
    if not personal:
        return []
    out: list[Leak] = []
    if not identity_states(script):
        used = sorted({n for ref in script.texts() for n in placeholders(ref.text)} & personal)
        if used:
            out.append(
                Leak(
                    ("states",),
                    used[0],
                    f"the script speaks personal variables ({', '.join(used)}) but has no "
                    "identity state (`identity:`) confirming who answered",
                )
            )
        return out
    for path, text in _anywhere_texts(script):
        for name in placeholders(text):
            if name in personal:
                out.append(Leak(path, name, f"{{{name}}} is personal and may be said to anyone"))
    for sid in sorted(before_identity(script)):
        st = script.states[sid]
        allowed = set(st.identity.may_say) if st.identity is not None else set()
        for path, text in _state_texts(script, sid):
            for name in placeholders(text):
                if name in personal and name not in allowed:
                    out.append(
                        Leak(
                            path,
                            name,
                            f"{{{name}}} is personal and state {sid!r} is reached before "
                            "the customer confirms who they are",
                        )
                    )
    return out
