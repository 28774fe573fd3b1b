"""Where the bot may take a call back after the agent: the choices the agent's console
offers at hand-back, and the check of the one asked for.

Pure: the script in, the choices out. The default (no state named) is what the script
says for the state the call was handed off in (``handoff.after_agent``), or the end of
the call as handled by the agent when it says nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kernel.errors import InvalidInput
from scripts.schema import Script

SNIPPET_CHARS = 36
_VARIABLE = re.compile(r"\{[^{}]*\}")


@dataclass(frozen=True)
class ResumeChoice:
    """One option of the hand-back menu: a state (``""``: the script's default)."""

    state: str
    label: str
    default: bool = False

    def to_dict(self) -> dict[str, object]:
        return {"state": self.state, "label": self.label, "default": self.default}


def prompt_snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    """The first words the bot says in a state, variables shown as an ellipsis."""
    flat = " ".join(_VARIABLE.sub("…", text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def default_target(script: Script, handed_off_in: str | None) -> str | None:
    """The state the bot resumes at when the agent names none (None: the call ends)."""
    st = script.states.get(handed_off_in or "")
    if st is None or st.handoff is None:
        return None
    return st.handoff.after_agent


def resume_choices(script: Script, handed_off_in: str | None) -> list[ResumeChoice]:
    """The default first (its label empty when the call would end), then every state of
    the script in its own order, each with the start of what the bot says there."""
    to = default_target(script, handed_off_in)
    rest = [ResumeChoice(sid, _label(script, sid)) for sid in script.states]
    return [ResumeChoice("", _label(script, to) if to else "", default=True), *rest]


def _label(script: Script, sid: str) -> str:
    st = script.states.get(sid)
    return f"{sid} · {prompt_snippet(st.prompt)}" if st is not None else sid


def check_target(script: Script, state: str | None) -> None:
    """A named state must be one of the script's; otherwise the request names the field."""
    if state is not None and state not in script.states:
        raise InvalidInput(
            f"{state!r} is not a state of script {script.metadata.id} ({script.language})",
            where="state",
        )
