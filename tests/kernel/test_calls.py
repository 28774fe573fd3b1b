"""The stream-start contract: what the dialer writes is what the media endpoint reads, and
nothing that is not an identifier gets through."""

from __future__ import annotations

import pytest

from kernel.calls import StreamStart
from kernel.errors import InvalidInput


def test_round_trip_keeps_every_field() -> None:
    start = StreamStart(
        attempt_id=12,
        campaign_id=3,
        script_id="points_reminder",
        language="zh-CN",
        variant="B",
        agent_id=7,
        task_id=9,
        token="t0k",
    )
    params = start.to_parameters()
    assert params["attemptId"] == "12" and params["scriptId"] == "points_reminder"
    assert all(isinstance(v, str) for v in params.values())
    assert StreamStart.from_parameters(params) == start
    assert start.is_agent_first


def test_unset_fields_are_left_out_and_unknown_keys_ignored() -> None:
    params = StreamStart(attempt_id=1).to_parameters()
    assert params == {"attemptId": "1", "variant": ""}
    assert StreamStart.from_parameters({**params, "whatever": "x", "variant": ""}).variant is None


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("attemptId", "12a"),
        ("attemptId", "9" * 40),  # beyond a 64-bit column
        ("scriptId", "../../etc/passwd"),
        ("scriptId", "Points"),
        ("language", "zh_CN/.."),
        ("variant", "B; DROP"),
        ("customerId", "a b"),
        ("agentId", "-1"),
    ],
)
def test_a_bad_value_names_its_parameter(key: str, value: str) -> None:
    with pytest.raises(InvalidInput) as err:
        StreamStart.from_parameters({key: value})
    assert err.value.where == f"customParameters.{key}"


def test_a_value_that_is_not_a_string_is_refused() -> None:
    with pytest.raises(InvalidInput, match="string"):
        StreamStart.from_parameters({"attemptId": 12})
