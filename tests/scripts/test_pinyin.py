"""Chinese read as toneless pinyin syllables (scripts.pinyin)."""

from __future__ import annotations

from scripts.pinyin import pinyin_table, pinyin_tokens


def test_syllables_are_toneless_and_clause_breaks_are_one_comma() -> None:
    assert pinyin_tokens("别再打了，，ABC12 号码") == [
        "bie",
        "zai",
        "da",
        "le",
        ",",
        "abc12",
        "hao",
        "ma",
    ]


def test_homophones_and_traditional_characters_read_alike() -> None:
    assert pinyin_tokens("别在打了") == pinyin_tokens("别再打了")
    assert pinyin_tokens("電話") == pinyin_tokens("电话")


def test_the_table_gives_one_reading_per_character() -> None:
    assert pinyin_table()[ord("打")] == "da"
