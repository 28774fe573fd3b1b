from __future__ import annotations

from pathlib import Path

import pytest

from kernel.errors import InvalidInput
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
    # attitudes map onto grades by behaviour: several attitudes span grades
    by_attitude: dict[str, set[str]] = {}
    for p in personas.values():
        by_attitude.setdefault(p.attitude, set()).add(p.grade)
    assert by_attitude["elderly"] == {"A", "B", "C"}
    assert by_attitude["busy"] == {"B", "D"}
    assert by_attitude["curious"] == {"A", "B"}


def _decision_mix(persona_id: str, kind_prompt: BotPrompt, n: int = 400) -> dict[str, int]:
    persona = load_personas()[persona_id]
    persona = persona.model_copy(
        update={"behaviours": persona.behaviours.model_copy(update={"drop": 0.0})}
    )
    c: dict[str, int] = {}
    for i in range(n):
        r = PersonaPolicy(persona, "zh-CN", seed=3, call_key=str(i)).reply(kind_prompt)
        key = r.intent or "-"
        c[key] = c.get(key, 0) + 1
    return c


HANDOFF = BotPrompt("explain_redeem", "需要我请专员在电话里一步一步带您操作吗？")
FOLLOW_UP = BotPrompt("offer_info", "那我把产品说明发到您的手机银行消息里，好吗？")


def test_grades_follow_their_definitions_at_the_decisive_prompts() -> None:
    """A agrees to be guided now; B hesitates, asks for a callback, takes information;
    C answers vaguely or declines politely; D refuses (docs/intent.md)."""
    grades = {p.id: p.grade for p in load_personas().values()}
    for pid, grade in grades.items():
        mix = _decision_mix(pid, HANDOFF)
        share = lambda *names: sum(mix.get(x, 0) for x in names) / 400  # noqa: B023, E731
        if grade == "A":
            assert share("yes", "ask_how", "ask_human") > 0.7, pid
        elif grade == "B":
            assert share("hesitate", "busy_callback", "repeat", "no") > 0.6, pid
            assert share("yes", "ask_how", "ask_human") < 0.2, pid
        elif grade == "C":
            assert share("no", "maybe", "repeat", "-") > 0.7, pid
            assert share("yes") < 0.15, pid
        else:
            assert share("yes", "ask_how", "maybe", "hesitate") < 0.05, pid
    assert _decision_mix("curious", FOLLOW_UP).get("yes", 0) > 200  # send me the details
    assert _decision_mix("neutral", FOLLOW_UP).get("yes", 0) < 120


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
    assert counts["opt_out"] == {"opt_out": 300}  # no off-topic turns, no dropped calls
    assert counts["interested"].get("yes", 0) > 130
    assert counts["interested"].get("ask_human", 0) > 20
    assert counts["wrong_person"]["wrong_person"] > 150


def test_hangs_up_after_its_time_and_turn_limit() -> None:
    busy = load_personas()["busy"]
    policy = PersonaPolicy(busy, "en-US", seed=1, call_key="x")
    assert policy.reply(None, elapsed_s=30.0).hangup
    neutral = load_personas()["neutral"]
    neutral = neutral.model_copy(
        update={"behaviours": neutral.behaviours.model_copy(update={"drop": 0.0})}
    )
    policy = PersonaPolicy(neutral, "en-US", seed=1, call_key="y")
    replies = [policy.reply(BotPrompt("q", "")) for _ in range(13)]
    assert not any(r.hangup for r in replies[:12]) and replies[12].hangup


def test_prompt_kinds() -> None:
    assert classify_prompt(HANDOFF, 1) == "handoff"
    assert (
        classify_prompt(BotPrompt("offer_advisor", "现在为您转接理财经理可以吗？"), 1) == "handoff"
    )
    assert (
        classify_prompt(BotPrompt("agent_busy", "稍后请专员给您回电，可以吗？"), 2) == "follow_up"
    )
    assert classify_prompt(FOLLOW_UP, 2) == "follow_up"
    assert classify_prompt(BotPrompt("ask_callback", "您看什么时候方便再联系您？"), 2) == "callback"
    assert (
        classify_prompt(BotPrompt("transfer_agent", "正在为您转接积分专员，请稍候。"), 2)
        == "bridge"
    )
    assert classify_prompt(BotPrompt("x", "상담원이 전화로 도와 드릴까요?"), 2) == "handoff"
    assert classify_prompt(BotPrompt("x", "언제 다시 전화 드리면 될까요?"), 2) == "callback"
    assert (
        classify_prompt(BotPrompt("x", "May a specialist call you back later?"), 2) == "follow_up"
    )
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
        "intents: {identity: {perhaps: 1}}\n"
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


def test_some_calls_drop_and_some_turns_go_off_topic() -> None:
    distracted = load_personas()["distracted"]
    replies = [
        PersonaPolicy(distracted, "zh-CN", seed=2, call_key=str(i)).reply(BotPrompt("q", ""))
        for i in range(400)
    ]
    assert 5 < sum(r.hangup for r in replies) < 40
    assert sum(r.intent in ("ask_robot", "repeat", "hello") for r in replies) > 15


def test_added_korean_phrasings_are_in_the_vosk_vocabulary() -> None:
    """The Korean words of the intents added for grading exist in the recognizer's model."""
    import tempfile

    from dialogue.speech.asr_models import ModelRegistry
    from dialogue.speech.settings import SpeechSettings

    try:
        with tempfile.TemporaryDirectory() as tmp:
            vocab = ModelRegistry(SpeechSettings(data_dir=Path(tmp))).vocabulary("ko-KR")
    except Exception as exc:  # the model package is optional
        pytest.skip(f"Korean model unavailable: {exc}")
    bank = load_reply_bank()["ko-KR"]
    for intent in ("maybe", "hesitate", "callback_time"):
        for phrase in bank[intent]:
            _, unknown = vocab.to_model_units(phrase)
            assert not unknown, phrase


@pytest.mark.parametrize(
    "script_id", ["points_reminder", "wealth_followup", "dormant_reactivation"]
)
def test_chinese_phrasings_are_understood_by_the_zh_scripts(script_id: str) -> None:
    """Every zh-CN phrasing a simulated customer can say (shared bank and persona
    overrides) is taken as the intent it means, in every state of the script that
    listens for that intent: the scripts cover what the customers say."""
    from dialogue.intent.labelled_calls import shipped_script
    from simulator.text_conversation import expected_intent

    script = shipped_script(script_id, "zh-CN")
    phrasings: dict[str, set[str]] = {i: set(p) for i, p in load_reply_bank()["zh-CN"].items()}
    for persona in load_personas().values():
        for intent, phrases in persona.replies.get("zh-CN", {}).items():
            phrasings.setdefault(intent, set()).update(phrases)
    wrong: list[tuple[str, str, str, str | None]] = []
    for state_id in script.states:
        listens = script.expected_intents(state_id)
        lexicon = script.lexicon(state_id)  # as the engine compiles a state's lexicon
        for persona_intent, said in phrasings.items():
            meant = expected_intent(persona_intent, script)
            if meant is None or meant not in listens:
                continue
            for phrase in sorted(said):
                m = lexicon.match(phrase)
                if m is None or m.intent != meant:
                    wrong.append((state_id, phrase, meant, m.intent if m else None))
    assert not wrong
