"""Other scripts' fit-set replies as extra examples of a script's intent classifier.

A script's classifier is fitted on its own replies (``scripts.classifier_fit``); the
replies of the other scripts of the language say much the same at the states they share
and for the global intents. A reply of another script is taken when a state of the target
can take its intent:

- at a state of the same name (identity, agent_busy, ask_callback) that listens for the
  intent, it stays at that state with its intent;
- otherwise a global intent of its own script (busy, ask_human, is_robot, complaint,
  wrong_person) or ``none`` is dealt to one state of the target that listens for it
  (which one by a hash of the text, so the state bias is not learnt from the pool);
- a transition intent of a state the target lacks (agree at ask_interest) is left out:
  what it agrees to differs. Opt-outs are left out (``scripts.optout`` decides them).

A pooled reply whose text the target's own examples hold is left out, as is one already
pooled. Pure: the caller reads the files.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence

from scripts.classifier import NONE
from scripts.classifier_fit import Example
from scripts.matching import normalize
from scripts.schema import OPT_OUT, Script

# The weight ``tools/fit_intent_models.py`` pools at: leave-one-batch-out over the last four
# batches of the three zh-CN scripts (``tools/intent_batch_cv.py``) read 0.943 / 0.022
# no-match with it, 0.942 / 0.022 at 0.3 and 0.938 / 0.024 without (docs/scripts.md).
POOL_WEIGHT = 1.0


def listening_states(script: Script) -> list[str]:
    """The states that hear a reply (not an end or a pass-through state)."""
    return [s for s, st in script.states.items() if st.end is None and st.next is None]


def pool_state(target: Script, source: Script, state: str, label: str, text: str) -> str | None:
    """The state of ``target`` a reply of ``source`` (at ``state``, labelled ``label``)
    is an example at, or None when no state of the target can take it."""
    if label == OPT_OUT:
        return None
    hears = {s: {*target.expected_intents(s), NONE} for s in listening_states(target)}
    if state in hears and label in hears[state]:
        return state
    if label != NONE and label not in source.global_intents:
        return None
    takers = [s for s, intents in hears.items() if label in intents]
    if not takers:
        return None
    return takers[zlib.crc32(normalize(text, target.language).encode()) % len(takers)]


def pooled_examples(
    target: Script,
    own: Iterable[Example],
    others: Sequence[tuple[Script, Sequence[Example]]],
    weight: float,
) -> list[Example]:
    """The other scripts' replies the target's states can take, at ``weight``, marked
    ``pooled`` (trained on, not scored); none whose text ``own`` holds."""
    seen = {normalize(e.text, target.language) for e in own}
    out: list[Example] = []
    for source, examples in others:
        for e in examples:
            key = normalize(e.text, target.language)
            if not key or key in seen or e.weight < 1.0:
                continue
            state = pool_state(target, source, e.state, e.label, e.text)
            if state is None:
                continue
            seen.add(key)
            out.append(Example(e.text, state, e.label, weight, e.clean, pooled=True))
    return out
