"""The search terms of a transcript line: pure text code, no I/O.

Chinese has no spaces between words and Korean glues particles to words (적립금이), so a
word index finds neither "理财" inside "理财产品" nor "적립금" inside "적립금이". Each run of
Han, kana or Hangul characters is indexed as its overlapping bigrams (a one-character run
as itself); Latin letters and digits as lowercased words. A query is split the same way:
a line matches when it holds every query term (the index narrows, ``matches`` confirms the
phrase). The same terms feed SQLite FTS5 and a PostgreSQL GIN index.
"""

from __future__ import annotations

import re
import unicodedata

# Han (CJK unified, extension A, compatibility), kana, Hangul syllables and jamo.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\u1100-\u11ff\u3130-\u318f"
_TOKEN = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_IS_CJK = re.compile(rf"[{_CJK}]")
MAX_QUERY_TERMS = 32


def normalise(text: str) -> str:
    """NFKC (full-width to half-width), lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def _run_terms(run: str) -> list[str]:
    if not _IS_CJK.match(run):
        return [run]
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def terms(text: str) -> list[str]:
    """The distinct terms of ``text`` in first-seen order."""
    seen: dict[str, None] = {}
    for run in _TOKEN.findall(normalise(text)):
        for t in _run_terms(run):
            seen.setdefault(t, None)
    return list(seen)


def terms_text(text: str) -> str:
    """The terms as the space-separated column the indexes read."""
    return " ".join(terms(text))


def query_terms(query: str) -> list[str]:
    """The terms a line must hold to match ``query`` (empty: nothing to search for)."""
    return terms(query)[:MAX_QUERY_TERMS]


def matches(text: str, query: str) -> bool:
    """Whether ``text`` holds every run of ``query`` as written (ignoring case, width and
    punctuation between runs)."""
    hay = normalise(text)
    return all(run in hay for run in _TOKEN.findall(normalise(query)))
