from __future__ import annotations

from pathlib import Path

import pytest

from simulator.personas import (
    INTENTS,
    LANGUAGES,
    PersonaPolicy,
    classify_prompt,
    load_persona,
    load_personas,
    load_reply_bank,
)
from simulator.sidechannel import BotPrompt
from tailcall.errors import InvalidInput

SCRIPT_INTENTS = (
    "yes",
    "no",
    "ask_how",
    "ask_human",
    "ask_robot",
    "opt_out",
    "wrong_person",
    "busy_callback",
    "complaint",
)


def test_shipped_personas_cover_every_attitude_and_grade() -> None:
    personas = load_personas()
    assert {p.attitude for p in personas.values()} == {
        "interested",
        "curious",
        "neutral",
        "busy",
        "hostile",
        "opt_out",
        "wrong_person",
        "elderly",
    }
    assert {p.grade for p in personas.values()} == {"A", "B", "C", "D"}


def test_reply_bank_has_every_intent_in_every_language() -> None:
    bank = load_reply_bank()
    for lang in LANGUAGES:
        assert set(bank[lang]) == set(INTENTS), lang
        assert all(bank[lang][i] for i in INTENTS)
    # Korean phrasings must not be shared between intents (grammar decoding tells them apart)
    seen: dict[str, str] = {}
    for intent, phrases in bank["ko-KR"].items():
        for p in phrases:
            assert seen.setdefault(p, intent) == intent, p


def test_same_seed_same_conversation() -> None:
    persona = load_personas()["curious"]
    prompts = [
        BotPrompt("greeting", "您好，请问是王先生本人吗？"),
        BotPrompt("offer", "我们有一款理财产品，您感兴趣吗？"),
        BotPrompt(None, "还有别的问题吗？"),
        BotPrompt("closing", "感谢您的接听，再见"),
    ]

    def run(seed: int, key: str) -> list[tuple[str | None, str | None, float, bool]]:
        policy = PersonaPolicy(persona, "zh-CN", seed=seed, call_key=key)
        return [
            (r.intent, r.text, r.delay_s, r.barge_in) for r in (policy.reply(p) for p in prompts)
        ]

    assert run(1, "c1") == run(1, "c1")
    runs = {tuple(run(s, "c1")) for s in range(20)}
    assert len(runs) > 3  # the seed matters
    assert run(1, "c1")[-1][0] == "bye"


def test_intent_mix_follows_the_persona() -> None:
    personas = load_personas()
    offer = BotPrompt("offer_deposit", "")
    counts: dict[str, dict[str, int]] = {}
    for pid in ("interested", "opt_out", "wrong_person"):
        c: dict[str, int] = {}
        for i in range(300):
            policy = PersonaPolicy(personas[pid], "ko-KR", seed=5, call_key=str(i))
            intent = policy.reply(offer).intent or "-"
            c[intent] = c.get(intent, 0) + 1
        counts[pid] = c
    assert counts["opt_out"] == {"opt_out": 300}
    assert counts["interested"].get("yes", 0) > 130
    assert counts["interested"].get("ask_human", 0) > 30
    assert counts["wrong_person"]["wrong_person"] > 150


def test_hangs_up_after_its_time_and_turn_limit() -> None:
    busy = load_personas()["busy"]
    policy = PersonaPolicy(busy, "en-US", seed=1, call_key="x")
    assert policy.reply(None, elapsed_s=30.0).hangup
    neutral = load_personas()["neutral"]
    policy = PersonaPolicy(neutral, "en-US", seed=1, call_key="y")
    replies = [policy.reply(BotPrompt("q", "")) for _ in range(13)]
    assert not any(r.hangup for r in replies[:12]) and replies[12].hangup


def test_prompt_kinds() -> None:
    assert classify_prompt(BotPrompt("confirm_identity", ""), 3) == "identity"
    assert classify_prompt(BotPrompt(None, "고객님 본인 맞으세요?"), 2) == "identity"
    assert classify_prompt(BotPrompt(None, "Thanks, goodbye!"), 2) == "closing"
    assert classify_prompt(BotPrompt("bridge", "请稍等"), 2) == "bridge"
    assert classify_prompt(None, 0) == "identity"
    assert classify_prompt(None, 1) == "offer"


def test_bad_persona_names_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(
        "id: broken\nattitude: grumpy\ngrade: A\nanswer_probability: {default: 1}\n"
        "intents: {identity: {yes: 1}}\n"
    )
    with pytest.raises(InvalidInput) as err:
        load_persona(path)
    assert err.value.where == "broken.yaml: attitude"
    path.write_text(
        "id: broken\nattitude: busy\ngrade: A\nanswer_probability: {default: 1}\n"
        "intents: {identity: {maybe: 1}}\n"
    )
    with pytest.raises(InvalidInput, match="unknown intent"):
        load_persona(path)


def test_answer_probability_by_hour() -> None:
    p = load_personas()["interested"]
    assert p.answer_probability_at(13) == 0.5
    assert p.answer_probability_at(19) == 0.8
    assert p.answer_probability_at(10) == 0.7


def test_script_intent_names_are_known() -> None:
    assert set(SCRIPT_INTENTS) <= set(INTENTS)
