"""A QA flag reads in the page's language (``supervision.flag_text``)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

import pytest

from handoff.web.i18n import texts
from supervision.flag_text import flag_text
from supervision.qa import Flag, Line, QaFacts, check
from tests.supervision.test_qa import CLEAN, FIRING, _with_line


def _as_stored(f: Flag) -> dict[str, object]:
    return {"code": f.code, "detail": f.detail, "key": f.key, "args": dict(f.args)}


@pytest.mark.parametrize("facts", [f for f, _ in FIRING])
def test_every_finding_has_words_in_both_languages(facts: QaFacts) -> None:
    flags = check(facts)
    assert flags
    for f in flags:
        stored = _as_stored(f)
        zh, en = flag_text(stored, texts("zh")), flag_text(stored, texts("en"))
        assert f.key and f"flagd_{f.key}" in texts("zh"), f
        assert "{" not in zh and "{" not in en
        assert zh != f.detail  # not the stored English
        # no English words left in the Chinese (the customer's own words may be quoted)
        assert not re.search(r"\b(dialed|customer|bot|agent|speech|cap|weekday)\b", zh), zh


def test_weekday_and_handoff_result_are_words() -> None:
    saturday = check(replace(CLEAN, dialed_local=datetime(2026, 12, 5, 10, 0)))[0]
    assert flag_text(_as_stored(saturday), texts("zh")) == "在周六拨打"
    assert flag_text(_as_stored(saturday), texts("en")) == "Dialed on Sat"
    denied = check(_with_line(Line("customer", "转人工", 13, 14), handoff_result="timeout"))[0]
    assert (
        flag_text(_as_stored(denied), texts("zh")) == "客户要求人工（人工）：无人接听"
    )  # the phrase heard


def test_a_flag_without_a_key_shows_its_stored_detail() -> None:
    old = {"code": "long_silence", "detail": "12.0 s without speech", "key": "", "args": {}}
    assert flag_text(old, texts("zh")) == "12.0 s without speech"
    broken = {"code": "over_cap", "detail": "3 dials", "key": "over_cap", "args": {"n": "3"}}
    assert flag_text(broken, texts("zh")) == "3 dials"
