"""What simulated customers say: the hand-written fit set, not the scripts' phrase lists.

``simulator/fitset/replies/<script>.<language>.jsonl`` holds replies people wrote for each
state of each script, by intent, a third of them with recognition errors. A persona picks
what it means (its intent for the kind of prompt, ``simulator.personas``); this module
picks how it says it: a fit-set reply written for the same state and the script intent
the persona's intent stands for. When the fit set has none for that pair, the persona's
reply bank is used. The evaluation set under bench/ is never read here.
"""

from __future__ import annotations

import functools
import json
import random
from collections.abc import Mapping, Sequence
from pathlib import Path

FIT_SET = Path(__file__).with_name("fitset") / "replies"

# A persona's intent -> the fit set's intents that say it, in order of preference.
_MEANS: Mapping[str, tuple[str, ...]] = {
    "yes": ("agree", "confirm"),
    "no": ("decline", "deny"),
    "ask_how": ("how_to", "ask_risk", "ask_return", "login_trouble", "agree"),
    "ask_human": ("ask_human",),
    "ask_robot": ("is_robot",),
    "opt_out": ("opt_out",),
    "wrong_person": ("wrong_number", "deny", "wrong_person"),
    "busy_callback": ("busy",),
    "complaint": ("complaint",),
    "callback_time": ("callback_time",),
    "confirm_identity": ("confirm",),
    "relative": ("relative",),
    "maybe": ("none",),
    "hesitate": ("none",),
    "repeat": ("none",),
}


class SpokenReplies:
    """Fit-set replies of one script and language, by state and intent."""

    def __init__(self, by_state: Mapping[str, Mapping[str, Sequence[str]]]) -> None:
        self.by_state = by_state

    def say(self, rng: random.Random, prompt_id: str | None, persona_intent: str) -> str | None:
        """A reply for the persona's intent at the prompt's state, or None."""
        if not prompt_id:
            return None
        state = prompt_id.split("#")[0].split(".")[0]
        replies = self.by_state.get(state)
        if not replies:
            return None
        for intent in _MEANS.get(persona_intent, ()):
            options = replies.get(intent)
            if options:
                return rng.choice(options)
        return None


@functools.lru_cache(maxsize=16)
def spoken_replies(script_id: str, language: str, directory: Path = FIT_SET) -> SpokenReplies:
    """The fit set's replies for a script (empty when it has none)."""
    by_state: dict[str, dict[str, list[str]]] = {}
    path = directory / f"{script_id}.{language}.jsonl"
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                by_state.setdefault(r["state"], {}).setdefault(r["intent"], []).append(r["text"])
    return SpokenReplies(by_state)
