from __future__ import annotations

import json

from dialogue.speech.asr_models import Vocabulary
from dialogue.speech.grammar import BARRIER_ENTRY, build_grammar, judge, judge_free, may_continue

V = Vocabulary(frozenset({"네", "맞", "습니다", "아니요", "관심", "없어요", "있어요"}))


def _nbest(*texts: str) -> dict[str, object]:
    return {"alternatives": [{"text": t, "confidence": 10.0 - i} for i, t in enumerate(texts)]}


def _mbr(words: list[tuple[str, float]]) -> dict[str, object]:
    return {
        "text": " ".join(w for w, _ in words),
        "result": [{"word": w, "conf": c} for w, c in words],
    }


def test_grammar_maps_units_and_reports_unknown_words() -> None:
    g = build_grammar(["네 맞습니다", "아니요", "글쎄요 모르겠어요"], V)
    assert g.by_units == {"네 맞 습니다": "네 맞습니다", "아니요": "아니요"}
    assert g.unknown_words == {"글쎄요 모르겠어요": ("글쎄요", "모르겠어요")}
    entries = json.loads(g.vosk_json())
    assert entries[-1] == BARRIER_ENTRY and entries[-1].count("</s>") == 100_000


def test_exact_phrase_with_confident_words_is_accepted() -> None:
    g = build_grammar(["네 맞습니다", "아니요"], V)
    j = judge(
        _nbest("네 맞 습니다", "아니요"),
        _mbr([("네", 0.9), ("맞", 0.95), ("습니다", 0.99)]),
        g,
        min_confidence=0.7,
    )
    assert (
        j.accepted
        and j.text == "네 맞습니다"
        and j.confidence == 0.9
        and j.alternatives == ("아니요",)
    )


def test_weak_word_is_no_match() -> None:
    g = build_grammar(["네 맞습니다"], V)
    j = judge(
        _nbest("네 맞 습니다"),
        _mbr([("네", 0.4), ("맞", 0.95), ("습니다", 0.99)]),
        g,
        min_confidence=0.7,
    )
    assert (
        not j.accepted
        and j.text == ""
        and j.reason == "low_confidence"
        and j.candidate == "네 맞습니다"
    )


def test_off_grammar_jump_is_no_match() -> None:
    g = build_grammar(["관심 없어요", "관심 있어요"], V)
    j = judge(_nbest("없어요 관심"), _mbr([("없어요", 0.9), ("관심", 0.9)]), g, min_confidence=0.7)
    assert not j.accepted and j.reason == "not_exact"


def test_mbr_disagreeing_with_nbest_is_no_match() -> None:
    g = build_grammar(["관심 없어요", "관심 있어요"], V)
    j = judge(_nbest("관심 없어요"), _mbr([("관심", 0.9), ("있어요", 0.9)]), g, min_confidence=0.7)
    assert not j.accepted


def test_empty_and_free_decoding() -> None:
    g = build_grammar(["아니요"], V)
    assert judge(_nbest(""), None, g, min_confidence=0.7).reason == "empty"
    j = judge_free(_mbr([("내일", 0.8), ("세시", 0.6)]))
    assert j.accepted and j.text == "내일 세시" and abs(j.confidence - 0.7) < 1e-9


def test_only_a_no_match_that_is_not_a_whole_phrase_may_continue() -> None:
    g = build_grammar(["네 맞습니다", "관심 없어요"], V)
    whole_low = judge(
        _nbest("네 맞 습니다"),
        _mbr([("네", 0.4), ("맞", 0.9), ("습니다", 0.9)]),
        g,
        min_confidence=0.7,
    )
    assert not whole_low.accepted and not may_continue(whole_low, g)  # complete, just unsure
    part = judge(_nbest("없어요"), _mbr([("없어요", 0.9)]), g, min_confidence=0.7)
    assert not part.accepted and may_continue(part, g)  # maybe "관심 ... 없어요"
    empty = judge(_nbest(""), None, g, min_confidence=0.7)
    assert may_continue(empty, g)
    ok = judge(_nbest("관심 없어요"), _mbr([("관심", 0.9), ("없어요", 0.9)]), g, min_confidence=0.7)
    assert ok.accepted and not may_continue(ok, g)
