"""Review sampling and the review form."""

from __future__ import annotations

import pytest

from kernel.errors import InvalidInput
from supervision.review_form import parse, score
from supervision.sampling import SamplingPolicy, review_reason, sampled


def test_every_flagged_call_and_about_five_percent_of_the_rest() -> None:
    policy = SamplingPolicy(rate=0.05)
    assert all(review_reason(i, ["long_silence"], policy) == "flagged" for i in range(100))
    share = sum(sampled(i, policy) for i in range(20000)) / 20000
    assert 0.045 < share < 0.055
    assert [sampled(i, policy) for i in range(50)] == [sampled(i, policy) for i in range(50)]
    assert review_reason(7, [], SamplingPolicy(rate=0.0)) is None


def test_review_form_score_and_bad_items() -> None:
    answers = parse({"disclosure": "pass", "no_promise": "fail", "courtesy": False})
    assert score(answers) == 100 - 25 - 10
    with pytest.raises(InvalidInput) as e:
        parse({"bogus": "pass"})
    assert e.value.where == "checklist.bogus"
    with pytest.raises(InvalidInput):
        parse({"opt_out": "maybe"})
