from __future__ import annotations

import random
import statistics

import pytest

from simulator import wer
from simulator.personas import load_reply_bank


def test_tokens_per_language() -> None:
    assert wer.tokens("好的，可以。", "zh-CN") == ["好", "的", "可", "以"]
    assert wer.tokens("네 좋아요", "ko-KR") == ["네", "좋아요"]
    assert wer.tokens("No, thanks!", "en-US") == ["No", "thanks"]


def test_zero_rate_is_identity_and_distance() -> None:
    rng = random.Random(0)
    assert wer.corrupt("不用了，谢谢", 0.0, rng, "zh-CN", ["好"]) == "不用了谢谢"
    assert wer.error_rate("a b c d", "a x c", "en-US") == pytest.approx(0.5)
    assert wer.error_rate("好的可以", "好的可以", "zh-CN") == 0.0


@pytest.mark.parametrize(
    ("language", "rate"), [("zh-CN", 0.1), ("zh-CN", 0.3), ("ko-KR", 0.2), ("en-US", 0.15)]
)
def test_injected_error_rate_matches_the_setting(language: str, rate: float) -> None:
    bank = load_reply_bank()[language]
    phrases = [p for ps in bank.values() for p in ps]
    vocab = wer.vocabulary_of(phrases, language)
    rng = random.Random(42)
    errors = total = 0
    changed = []
    for i in range(3000):
        ref = phrases[i % len(phrases)]
        hyp = wer.corrupt(ref, rate, rng, language, vocab)
        n = len(wer.tokens(ref, language))
        errors += wer.edit_distance(wer.tokens(ref, language), wer.tokens(hyp, language))
        total += n
        changed.append(hyp != wer.join(wer.tokens(ref, language), language))
    measured = errors / total
    # edit distance can merge adjacent operations, so it reads slightly under the rate
    assert rate * 0.8 <= measured <= rate * 1.05
    assert 0 < statistics.mean(changed) < 1


def test_same_seed_same_errors() -> None:
    def once() -> list[str]:
        rng = random.Random(7)
        return [
            wer.corrupt("我现在很忙晚点再打", 0.3, rng, "zh-CN", list("好的可以不"))
            for _ in range(10)
        ]

    assert once() == once()
