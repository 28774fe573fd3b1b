"""ScriptBrainFactory: the real engine from the stream's start parameters."""

from __future__ import annotations

import json

import pytest

from dialogue.engine import ScriptEngine
from dialogue.speech.pipeline import CallInfo
from dialogue.speech.script_brain import ScriptBrainFactory, fixed_prompts
from kernel.clock import VirtualClock
from kernel.errors import InvalidInput, NotFound


class Binder:
    def __init__(self) -> None:
        self.bound: list[tuple[str, int | None]] = []

    def bind(self, call_id: str, attempt_id: int | None) -> None:
        self.bound.append((call_id, attempt_id))


def _info(**params: str) -> CallInfo:
    return CallInfo.from_parameters("CA1", "MZ1", params)


def test_builds_the_engine_from_parameters() -> None:
    binder = Binder()
    f = ScriptBrainFactory(clock=VirtualClock(), recorder=binder)
    setup = f(
        _info(
            scriptId="points_reminder",
            language="ko-KR",
            customer=json.dumps({"name": "이영희", "points": 500}),
            attemptId="17",
        )
    )
    assert isinstance(setup.brain, ScriptEngine)
    assert setup.language == "ko-KR" and setup.voice == "ko"
    says = [getattr(a, "text", "") for a in setup.brain.start()]
    assert "이영희님" in says[-2]  # the identity question names the customer
    assert binder.bound == [("CA1", 17)]
    # the same script object serves the next call
    assert f.script("points_reminder", "ko-KR") is f.script("points_reminder", "ko-KR")


def test_customer_lookup_and_fallbacks() -> None:
    f = ScriptBrainFactory(
        default_script="points_reminder",
        clock=VirtualClock(),
        customer_lookup=lambda cid: {"name": "박"} if cid == "c1" else None,
    )
    assert "박님" in getattr(f(_info(customerId="c1")).brain.start()[-2], "text", "")
    assert "고객님" in getattr(f(_info(customerId="zz")).brain.start()[-2], "text", "")


def test_fixed_prompts_leave_out_customer_texts() -> None:
    f = ScriptBrainFactory(clock=VirtualClock())
    script = f.script("points_reminder", "ko-KR")
    texts = fixed_prompts(script)
    assert any(t.startswith("알겠습니다. 앞으로") for t in texts)
    assert not any("{" in t for t in texts)
    assert not any("포인트는" in t and "점이고" in t for t in texts)  # needs {points}


@pytest.mark.parametrize(
    ("params", "error", "where"),
    [
        ({}, InvalidInput, "customParameters.scriptId"),
        ({"scriptId": "nope"}, NotFound, "scripts/"),
        ({"scriptId": "points_reminder", "variant": "Z"}, InvalidInput, "customParameters.variant"),
        (
            {"scriptId": "points_reminder", "customer": "[1]"},
            InvalidInput,
            "customParameters.customer",
        ),
        (
            {"scriptId": "points_reminder", "customer": "{"},
            InvalidInput,
            "customParameters.customer",
        ),
        (
            {"scriptId": "points_reminder", "attemptId": "x"},
            InvalidInput,
            "customParameters.attemptId",
        ),
    ],
)
def test_bad_parameters_name_the_field(
    params: dict[str, str], error: type[Exception], where: str
) -> None:
    f = ScriptBrainFactory(clock=VirtualClock(), recorder=Binder())
    with pytest.raises(error) as exc:
        f(_info(**params))
    assert getattr(exc.value, "where", None) == where
