"""The hand-written batches of a fit-set file, for leave-one-batch-out figures
(``tools/optout_batch_cv.py``, ``tools/intent_batch_cv.py``). Pure: the tools run ``git
blame --line-porcelain`` and pass its text here.

A batch is the commit that added a line, with two corrections: a recognition-error rewrite
of a line of another batch (same kind, at least ``REWRITE_OVERLAP`` of its pinyin syllable
pairs shared) goes to that line's batch, so no batch is scored by a model fitted on its own
rewrites; and commits of one working session (each within ``session_minutes`` of the one
before) are one batch, as is a commit of fewer than ``min_batch`` lines with the batch
before it.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from scripts.pinyin import pinyin_tokens

# a rewrite shares at least this share of its pinyin syllable pairs with its source
REWRITE_OVERLAP = 0.6


@dataclass(frozen=True)
class Blamed:
    """One line of a fit-set file and the commit that added it."""

    text: str  # the line as written in the file
    commit: str
    time: int  # the commit's time (seconds)


def blamed(porcelain: str) -> list[Blamed]:
    """The non-blank lines of ``git blame --line-porcelain`` output, in file order."""
    out: list[Blamed] = []
    commit, time = "", 0
    for raw in porcelain.splitlines():
        if raw.startswith("\t"):
            if raw[1:].strip():
                out.append(Blamed(raw[1:], commit, time))
        elif raw.startswith("committer-time "):
            time = int(raw.split()[1])
        elif len(raw) > 41 and raw[40] == " " and all(c in "0123456789abcdef" for c in raw[:40]):
            commit = raw[:40]
    return out


def _pairs(text: str) -> set[str]:
    syl = [s for s in pinyin_tokens(text) if s != ","]
    return {a + "_" + b for a, b in itertools.pairwise(syl)} or set(syl)


def batches(
    texts: Sequence[str],
    kinds: Sequence[Hashable],
    rewrites: Sequence[bool],
    commits: Sequence[str],
    times: Sequence[int],
    min_batch: int,
    session_minutes: float,
) -> list[tuple[str, list[int]]]:
    """The lines (given column-wise: text, kind, whether a rewrite, commit and its time)
    grouped into batches, oldest first: each batch's first commit and its lines' indices."""
    order = dict(zip(commits, times, strict=True))
    batch = list(commits)
    pairs = [_pairs(t) for t in texts]
    clean: dict[Hashable, list[int]] = {}
    for i, k in enumerate(kinds):
        if not rewrites[i]:
            clean.setdefault(k, []).append(i)
    for i, k in enumerate(kinds):
        if not rewrites[i] or not pairs[i]:
            continue
        best, source = 0.0, -1
        for j in clean.get(k, []):
            if pairs[j]:
                overlap = len(pairs[i] & pairs[j]) / len(pairs[i] | pairs[j])
                if overlap > best:
                    best, source = overlap, j
        if source >= 0 and best >= REWRITE_OVERLAP and commits[source] != commits[i]:
            batch[i] = commits[source]
    groups: dict[str, list[int]] = {}
    for c in sorted(set(batch), key=lambda c: (order[c], c)):
        groups[c] = [i for i, b in enumerate(batch) if b == c]
    merged: list[tuple[str, list[int]]] = []
    last = -(10**12)
    for c, members in groups.items():
        same_session = order[c] - last <= session_minutes * 60
        last = order[c]
        if (same_session or len(members) < min_batch) and merged:
            merged[-1][1].extend(members)
        elif merged and len(merged[-1][1]) < min_batch:
            merged[-1] = (c, merged[-1][1] + members)
        else:
            merged.append((c, list(members)))
    return merged
