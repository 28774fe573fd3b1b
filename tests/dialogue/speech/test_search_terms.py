"""Search terms: CJK bigrams, Hangul bigrams, Latin words; the phrase check."""

from __future__ import annotations

from dialogue.speech.search_terms import matches, query_terms, terms, terms_text


def test_chinese_is_bigrams() -> None:
    assert terms("理财产品") == ["理财", "财产", "产品"]
    assert set(query_terms("理财")) <= set(terms("我想了解理财产品。"))


def test_korean_finds_a_word_with_a_particle() -> None:
    assert set(query_terms("적립금")) <= set(terms("적립금이 곧 소멸됩니다"))
    assert terms("네") == ["네"]


def test_latin_words_lower_case_and_full_width() -> None:
    assert terms("Points EXPIRE soon, VIP客户") == ["points", "expire", "soon", "vip", "客户"]
    assert terms("ＡＢＣ１２３") == ["abc123"]
    assert terms_text("不要 再打") == "不要 再打"


def test_phrase_check() -> None:
    assert matches("我想了解理财产品", "理财产品")
    assert not matches("产品很好，理财不要", "理财产品")
    assert matches("Your POINTS expire", "points expire")
    assert query_terms("，。!") == []
