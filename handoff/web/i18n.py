"""The workspace's text in Chinese (default) and English.

Each area keeps its words in its own module as ``ZH`` and ``EN`` dicts with the same keys
(``text_common``: the shell; ``text_operator``: lists, suppressions, campaigns;
``text_supervisor``: call history, reviews, reports, audit; ``text_import``: the
import report's reasons); ``PARTS``
lists them. The console's own words (``handoff.i18n.TEXT``) come first, so shared words
(log in, log out, agents ...) are written once. ``tests/handoff/web/test_i18n.py`` checks
that both languages have the same keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from types import ModuleType

from fastapi import Request

from handoff.i18n import TEXT, lang_of
from handoff.web import text_common, text_dryrun, text_import, text_operator, text_supervisor

PARTS: tuple[ModuleType, ...] = (
    text_common,
    text_operator,
    text_dryrun,
    text_supervisor,
    text_import,
)
LANGS = ("zh", "en")


@cache
def texts(lang: str) -> Mapping[str, str]:
    """Every word of the console and the workspace in ``lang`` ("zh" or "en")."""
    out = dict(TEXT[lang])
    for part in PARTS:
        out.update(part.ZH if lang == "zh" else part.EN)
    return out


def page_lang(request: Request) -> str:
    """``?lang=`` if given, else the ``tc_lang`` cookie, else Chinese."""
    return lang_of(request)
