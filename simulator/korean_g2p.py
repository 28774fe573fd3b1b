"""Korean phonetic respelling for espeak-ng (simulator speech only).

espeak-ng reads Hangul spelling letter by letter; feeding it the pronounced form
(liaison, nasalisation, tensing: ``맞습니다`` -> ``맏씀니다``) makes simulated Korean
replies far easier for Vosk to recognise (see shared/notes/speech-stack.md).

The rules come from the PyPI package ``g2pkk``. Its module, at import, tries to download
NLTK's CMU dictionary and to pip-install MeCab: neither is allowed here (nothing is
fetched at run time). We load it with two tiny stand-ins that are only visible while
its module is imported: an empty English dictionary (our replies are Hangul) and no
morphological analyser (g2pkk then skips its optional part-of-speech annotation).
Without ``g2pkk`` installed, text is returned unchanged.
"""

from __future__ import annotations

import functools
import importlib.machinery
import importlib.util
import sys
import types
from collections.abc import Callable
from typing import Any


def _stub_modules() -> dict[str, types.ModuleType]:
    nltk = types.ModuleType("nltk")
    data = types.ModuleType("nltk.data")
    corpus = types.ModuleType("nltk.corpus")

    def find(_name: str) -> str:
        return ""

    def download(*_args: Any, **_kwargs: Any) -> bool:  # never called: find succeeds
        return False

    class _Cmu:
        @staticmethod
        def dict() -> dict[str, list[list[str]]]:
            return {}

    data.find = find  # type: ignore[attr-defined]
    nltk.data = data  # type: ignore[attr-defined]
    nltk.download = download  # type: ignore[attr-defined]
    corpus.cmudict = _Cmu  # type: ignore[attr-defined]
    nltk.corpus = corpus  # type: ignore[attr-defined]

    mecab = types.ModuleType("mecab")
    mecab.__spec__ = importlib.machinery.ModuleSpec("mecab", None)  # g2pkk checks it

    class _NoMeCab:
        def pos(self, _text: str) -> list[tuple[str, str]]:
            return []  # a token mismatch makes g2pkk skip annotation

    mecab.MeCab = _NoMeCab  # type: ignore[attr-defined]
    return {"nltk": nltk, "nltk.data": data, "nltk.corpus": corpus, "mecab": mecab}


@functools.cache
def _converter() -> Callable[[str], str] | None:
    if importlib.util.find_spec("g2pkk") is None or importlib.util.find_spec("jamo") is None:
        return None
    stubs = _stub_modules()
    saved = {name: sys.modules.get(name) for name in stubs}
    sys.modules.update(stubs)
    try:
        from g2pkk import G2p  # type: ignore[import-untyped,import-not-found,unused-ignore]

        g2p = G2p()
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
    convert: Callable[[str], str] = g2p
    return convert


def available() -> bool:
    """Whether the respelling rules are installed."""
    return _converter() is not None


@functools.lru_cache(maxsize=4096)
def respell(text: str) -> str:
    """The pronounced form of Korean ``text`` (unchanged when g2pkk is missing)."""
    convert = _converter()
    if convert is None or not text.strip():
        return text
    return convert(text)
