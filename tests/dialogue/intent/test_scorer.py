"""The intent scorer on the real engine and the shipped points reminder script."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime

import pytest

from dialogue.engine import (
    AgentHandBack,
    CustomerHangup,
    HandoffAccepted,
    ScriptEngine,
    Utterance,
)
from dialogue.intent.labelled_calls import shipped_script
from dialogue.intent.model import Calibration, GradeThresholds, ScoringModel
from dialogue.intent.model_files import default_model, model_from_script
from dialogue.intent.profile import CustomerProfile
from dialogue.intent.scorer import IntentScorer, ScoreUpdate, TurnObservation

NOW = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)


def model(weights: dict[str, float], bias: float = 0.0) -> ScoringModel:
    names = sorted(weights)
    return ScoringModel(
        family="points_reminder",
        version="points_reminder@test",
        feature_names=tuple(names),
        weights=tuple(weights[n] for n in names),
        bias=bias,
        calibration=Calibration(cut_a=2.0, cut_b=0.0, cut_c=-2.0),
    )


class Call:
    """One call of the zh-CN points reminder, scored turn by turn."""

    def __init__(
        self, m: ScoringModel, profile: CustomerProfile | None = None, language: str = "zh-CN"
    ) -> None:
        self.script = shipped_script("points_reminder", language)
        self.engine = ScriptEngine(self.script, {"name": "王伟", "points": 5000}, clock_now=NOW)
        self.scorer = IntentScorer(
            m, self.script, profile, GradeThresholds(live=75), call_sid="CA1", customer_id=7
        )
        self.updates = [self.scorer.observe(self.engine, None, self.engine.start(), at=NOW)]
        self.say("是我" if language == "zh-CN" else "네")  # the customer confirms who they are

    def say(self, text: str, *, barge_in: bool = False) -> ScoreUpdate:
        event = Utterance(text, 0.9)
        u = self.scorer.observe(
            self.engine, event, self.engine.handle(event), at=NOW, barge_in=barge_in
        )
        self.updates.append(u)
        return u


def test_hand_computed_score_and_grade() -> None:
    call = Call(model({"signal:interested": 1.0, "conv:customer_turns": 0.5}))
    assert call.updates[0].score == 50.0  # z = 0 sits on the B cut
    u = call.say("好的")  # agree at points_info: signal interested (0.5 in the script)
    # z = 1.0 * 1 (interested) + 0.5 * 2 (two customer turns: "是我", "好的") = 2.0: the A cut
    assert u.score == 75.0
    assert u.grade == "A"
    assert u.state == "explain_redeem"
    assert u.turn == 2


def test_calibration_maps_cuts_to_thresholds_and_is_monotone() -> None:
    cal = Calibration(cut_a=2.0, cut_b=0.5, cut_c=-1.0)
    assert cal.score(2.0) == 75.0 and cal.score(0.5) == 50.0 and cal.score(-1.0) == 25.0
    zs = [x / 10 for x in range(-80, 80)]
    scores = [cal.score(z) for z in zs]
    assert scores == sorted(scores)
    assert 0 < scores[0] < 25 < 75 < scores[-1] < 100
    with pytest.raises(ValueError):
        Calibration(cut_a=0.0, cut_b=1.0, cut_c=-1.0)


def test_thresholds_grade_and_validation() -> None:
    th = GradeThresholds(a=80, b=60, c=30, live=85)
    assert [th.grade(s) for s in (80, 79.9, 60, 30, 29.9)] == ["A", "B", "B", "C", "D"]
    with pytest.raises(ValueError):
        GradeThresholds(a=50, b=60, c=30)


def test_reasons_in_script_language_and_english_with_stable_codes() -> None:
    m = model({"signal:asked_how_to_redeem": 1.0, "profile:app_views:wealth": 0.5})
    call = Call(m, CustomerProfile(app_views={"wealth": 3}))
    u = call.say("怎么兑换")
    codes = [r.code for r in u.reasons]
    assert codes == ["signal.asked_how_to_redeem", "profile.app_views.wealth"]
    first, second = u.reasons
    assert first.text == "询问如何兑换积分" and first.text_en == "asked how to redeem points"
    assert second.text == "本周浏览理财产品3次"
    assert second.text_en == "browsed wealth products 3 times this week"
    assert second.contribution == pytest.approx(0.5 * math.log1p(3))


def test_reasons_in_korean() -> None:
    m = model({"conv:negative": -1.0})
    call = Call(m, language="ko-KR")
    u = call.say("아니요 괜찮습니다")
    assert u.reasons[0].code == "conv.negative"
    assert u.reasons[0].text == "부정적인 말을 1번 함"
    assert u.reasons[0].text_en == "used negative words once"


def test_two_features_that_say_the_same_are_one_reason() -> None:
    m = model({"signal:asked_for_human": 1.0, "intent:ask_human": 0.5, "conv:customer_turns": 0.1})
    u = Call(m).say("转人工")
    texts = [r.text_en for r in u.reasons]
    assert texts.count("asked for a person") == 1, texts
    merged = next(r for r in u.reasons if r.text_en == "asked for a person")
    assert merged.code == "signal.asked_for_human" and merged.contribution == pytest.approx(1.5)
    assert "spoke 2 times in the call" in texts  # "是我" and "转人工"
    ko = Call(m, language="ko-KR").say("상담원 연결")  # two Korean wordings, one meaning
    assert [r.text_en for r in ko.reasons].count("asked for a person") == 1


def test_crossing_the_live_threshold_requests_one_handoff_in_allowed_state() -> None:
    # the profile alone puts the score above the live threshold from the start, but
    # points_info is no handoff point: the request waits for explain_redeem
    m = model({"profile:star_level": 7.0})  # star 7: z = 7 -> A
    call = Call(m, CustomerProfile(star_level=7))
    assert call.updates[1].score >= 75
    assert call.updates[1].state == "points_info"
    assert all(u.handoff_request is None for u in call.updates)
    u = call.say("好的")
    assert u.state == "explain_redeem" and call.engine.handoff_allowed
    req = u.handoff_request
    assert req is not None
    assert (req.trigger, req.skill, req.state, req.call_sid, req.customer_id) == (
        "score",
        "points",
        "explain_redeem",
        "CA1",
        7,
    )
    assert req.grade == "A" and req.score == u.score and req.requested_at == NOW
    assert req.reasons and req.model_version == "points_reminder@test"
    for _ in range(2):  # not understood: still explain_redeem, still above the threshold
        assert call.say("嗯嗯嗯").handoff_request is None
    score_requests = [u for u in call.updates if u.handoff_request is not None]
    assert len(score_requests) == 1


def test_no_request_below_threshold_or_in_states_without_handoff() -> None:
    call = Call(model({"conv:customer_turns": 0.1}))
    call.say("好的")  # explain_redeem allows a handoff, but the score is low
    assert all(u.handoff_request is None for u in call.updates)
    assert call.updates[-1].score < 75


def test_script_offer_becomes_a_request_with_score_and_reasons() -> None:
    call = Call(model({"signal:wants_guidance": 0.5}))
    call.say("好的")
    u = call.say("好的")  # agree at explain_redeem -> transfer_agent, which offers a handoff
    assert u.state == "transfer_agent"
    req = u.handoff_request
    assert req is not None and req.trigger == "script"
    assert req.script_reason == "wants_guidance" and req.skill == "points"
    assert req.reasons[0].code == "signal.wants_guidance"


def test_conversation_features() -> None:
    call = Call(model({}))
    call.say("利率是多少", barge_in=True)  # not understood by the script: re-asked
    call.scorer.observe_turn(TurnObservation(at=NOW, state=call.engine.state, kind="no_input"))
    f = call.scorer.features()
    assert f["conv:questions"] == 1 and f["conv:asks_price"] == 1
    assert f["conv:interruptions"] == 1 and f["conv:silences"] == 1
    assert f["conv:no_match"] == 1
    assert f["answer:points_info:no_match"] == 1 and f["answer:points_info:silence"] == 1
    assert 0 < f["conv:talk_ratio"] < 1
    assert "conv:positive" not in f


def test_positive_not_counted_with_negation() -> None:
    call = Call(model({}))
    call.say("不想了解")
    f = call.scorer.features()
    assert f["conv:negative"] == 1 and "conv:positive" not in f


def test_profile_features_from_customer_row() -> None:
    p = CustomerProfile.from_customer(
        {
            "star_level": 3,
            "aum_band": "50k-200k",
            "tags": ["积分兑换浏览"],
            "attributes": {
                "segment": "mass",
                "app_views": {"points": 2},
                "past_responses": {"positive": 1},
            },
        }
    )
    f = p.features()
    assert f["profile:star_level"] == pytest.approx(3 / 7)
    assert f["profile:segment:mass"] == 1 and f["profile:aum_band:50k-200k"] == 1
    assert f["profile:tag:积分兑换浏览"] == 1
    assert f["profile:app_views:points"] == pytest.approx(math.log1p(2))
    assert f["profile:past_positive"] == 1


def test_shipped_defaults_load_and_unknown_families_use_script_weights() -> None:
    for family in ("points_reminder", "wealth_followup", "dormant_reactivation"):
        m = default_model(family)
        assert m.version == f"{family}@default"
        assert m.weight_map()["signal:opted_out"] < 0
    script = shipped_script("points_reminder", "zh-CN")
    m = model_from_script(script)
    assert m.weight_map()["signal:wants_guidance"] == 1.5  # as declared in the script


def test_model_rejects_mismatched_weights() -> None:
    with pytest.raises(ValueError):
        ScoringModel(
            family="x",
            version="x@1",
            feature_names=("a", "b"),
            weights=(1.0,),
            bias=0,
            calibration=Calibration(cut_a=1, cut_b=0, cut_c=-1),
        )


def test_per_turn_scoring_is_well_under_two_milliseconds() -> None:
    call = Call(default_model("points_reminder"), CustomerProfile(star_level=3, tags=("a",)))
    turn = TurnObservation(at=NOW, state="points_info", text="好的，具体怎么操作呢", kind="speech")
    n = 500
    t0 = time.perf_counter()
    for _ in range(n):
        call.scorer.observe_turn(turn)
    per_turn = (time.perf_counter() - t0) / n
    assert per_turn < 0.002


def per_grade_model(grade_weights: dict[str, dict[str, float]]) -> ScoringModel:
    names = sorted({k for ws in grade_weights.values() for k in ws})
    return ScoringModel(
        family="points_reminder",
        version="points_reminder@pg",
        feature_names=tuple(names),
        weights=tuple(0.0 for _ in names),
        bias=0.0,
        calibration=Calibration(cut_a=1.0, cut_b=0.0, cut_c=-1.0),
        grade_weights={g: tuple(grade_weights[g].get(n, 0.0) for n in names) for g in "ABCD"},  # type: ignore[misc]
        grade_bias={"A": 0.0, "B": 0.0, "C": 0.0, "D": 0.0},
    )


def test_per_grade_model_scores_in_the_band_of_its_most_probable_grade() -> None:
    m = per_grade_model(
        {
            "A": {"conv:commit": 4.0},
            "B": {"conv:hesitant": 4.0},
            "C": {"conv:polite": 4.0},
            "D": {"conv:hostile": 4.0},
        }
    )
    th = GradeThresholds()
    for feat, grade in (
        ("conv:commit", "A"),
        ("conv:hesitant", "B"),
        ("conv:polite", "C"),
        ("conv:hostile", "D"),
    ):
        p = m.probabilities({feat: 1.0})
        assert math.isclose(sum(p.values()), 1.0)
        assert max(p, key=lambda g: p[g]) == grade
        assert th.grade(m.score({feat: 1.0})) == grade, feat
    # within a band, more weight on higher grades scores higher
    assert m.score({"conv:hesitant": 1.0, "conv:commit": 0.5}) > m.score({"conv:hesitant": 1.0})
    assert m.score({"conv:hesitant": 1.0, "conv:hostile": 0.5}) < m.score({"conv:hesitant": 1.0})
    with pytest.raises(ValueError, match="every grade"):
        ScoringModel.model_validate(
            {**m.model_dump(), "grade_weights": {"A": m.grade_weights["A"]}}  # type: ignore[index]
        )
    with pytest.raises(ValueError, match="go together"):
        ScoringModel.model_validate({**m.model_dump(), "grade_bias": None})


def test_per_grade_model_drives_the_scorer_and_round_trips_as_json() -> None:
    m = per_grade_model({"A": {"state:transfer_agent": 5.0}, "B": {}, "C": {}, "D": {}})
    again = ScoringModel.model_validate_json(m.model_dump_json())
    assert again == m
    call = Call(m)
    first = call.updates[-1]
    call.say("好的")
    u = call.say("好的")  # wants guidance: transfer_agent
    assert first.grade == "D"  # all grades equally likely: the lowest
    assert u.grade == "A" and u.score >= 75


def test_hanging_up_is_an_answer_and_grade_cues_are_counted() -> None:
    from dialogue.engine import CustomerHangup

    call = Call(model({}))
    call.say("嗯")  # filler only
    call.say("我考虑一下")
    event = CustomerHangup()
    call.scorer.observe(call.engine, event, call.engine.handle(event), at=NOW)
    f = call.scorer.features()
    assert f["conv:filler"] == 1 and f["conv:hesitant"] == 1
    assert f["conv:hung_up"] == 1 and f["answer:points_info:hangup"] == 1


def test_a_polite_or_vague_no_is_not_a_refusal() -> None:
    from dialogue.intent.cues import cues

    assert cues("不用了，谢谢", "zh-CN").names() == ("polite",)
    assert cues("不需要", "zh-CN").negative
    assert cues("看情况吧", "zh-CN").names() == ("noncommittal",)
    assert cues("我现在就想弄，怎么操作", "zh-CN").commit
    assert cues("你们怎么老打电话", "zh-CN").hostile
    assert cues("我不是他", "zh-CN").wrong_person
    assert cues("No, thank you", "en-US").names() == ("polite",)
    assert cues("Let me think about it", "en-US").hesitant
    assert cues("생각해 볼게요", "ko-KR").hesitant
    assert cues("아니요 괜찮습니다", "ko-KR").negative


def test_a_curt_no_is_blunt_and_a_polite_please_is_not_hostile() -> None:
    from dialogue.intent.cues import cues

    assert cues("不需要，挂了", "zh-CN").blunt
    assert cues("不要不要", "zh-CN").blunt  # said twice, though normalising collapses it
    assert cues("没空，不用回电话", "zh-CN").blunt
    assert not cues("不需要了", "zh-CN").blunt
    assert not cues("不用不用，谢谢", "zh-CN").blunt  # polite
    assert not cues("好的，那先挂了", "zh-CN").blunt  # no refusal
    assert not cues("你发过来，我挂了电话就装", "zh-CN").blunt  # commits
    assert cues("No, no, I'm hanging up", "en-US").blunt
    # 麻烦 is "please" or "trouble", not the annoyed 烦
    assert not cues("那麻烦你们专员带一下", "zh-CN").hostile
    assert not cues("算了，不麻烦你们了", "zh-CN").hostile
    assert cues("烦死了", "zh-CN").hostile
    assert cues("你是骗子吧", "zh-CN").hostile


def test_the_agents_part_of_a_call_leaves_the_score_as_it_was() -> None:
    c = Call(default_model("points_reminder", shipped_script("points_reminder", "zh-CN")))
    c.say("想了解")
    before = c.say("怎么兑换")  # the script offers an agent
    accepted = HandoffAccepted(3)
    c.scorer.observe(c.engine, accepted, c.engine.handle(accepted), at=NOW)
    hangup = CustomerHangup()  # the customer ends the call with the agent
    after = c.scorer.observe(c.engine, hangup, c.engine.handle(hangup), at=NOW)
    assert (after.score, after.grade, after.turn) == (before.score, before.grade, before.turn)
    assert after.handoff_request is None


def test_after_a_hand_back_the_bots_turns_count_again() -> None:
    c = Call(default_model("points_reminder", shipped_script("points_reminder", "zh-CN")))
    c.say("想了解")
    c.say("怎么兑换")
    for event in (HandoffAccepted(3), AgentHandBack("points_info")):
        c.scorer.observe(c.engine, event, c.engine.handle(event), at=NOW)
    turns = c.scorer.last.turn if c.scorer.last else 0
    assert c.say("不需要").turn == turns + 1


def test_korean_grade_cues() -> None:
    from dialogue.intent.cues import cues

    assert cues("이따 집에 가서 해 볼게요", "ko-KR").hesitant
    assert cues("딸한테 물어보고 해 볼게요", "ko-KR").hesitant
    assert cues("연회비로 돌리는 거 지금 하고 싶어요", "ko-KR").commit
    assert not cues("지금 바빠요", "ko-KR").commit
    assert cues("이런 전화 너무 짜증나요", "ko-KR").hostile
    assert cues("관심 없다고요 필요 없어요", "ko-KR").blunt
    assert not cues("필요 없어요 고마워요", "ko-KR").blunt  # polite
    assert cues("사람 잘못 찾으셨어요", "ko-KR").wrong_person
