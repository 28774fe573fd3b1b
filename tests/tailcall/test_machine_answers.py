"""A call the carrier flags as answered by a machine is recorded as a machine: outcome
voicemail, retried by its rule, no contact for the caps, and the script is never read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from dialer.campaigns.audience import FactsLoader, audience_customers
from dialer.campaigns.models import Attempt, Campaign
from dialer.campaigns.outcomes import apply_carrier_status, record_heard_answer
from dialer.campaigns.policy import CompliancePolicy
from dialer.campaigns.service import create_campaign, start_campaign
from dialogue.engine import EndCall, Say
from dialogue.machine import MachineBrain
from dialogue.speech import announcements
from dialogue.speech.answering import AudioAnswerListener, Verdict
from dialogue.speech.pipeline import CallInfo
from dialogue.speech.script_brain import ScriptBrainFactory
from kernel.actors import Actor
from kernel.clock import VirtualClock
from kernel.db import Database
from tailcall.live_calls import LiveCallServices
from tailcall.outcomes import FinishedCall, record_finished_call
from tests.dialer.conftest import add_customers, add_list, fast_settings, make_spec
from tests.tailcall.test_live_calls import Routed

NOW = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
MESSAGE = "您好，这里是示例银行，稍后再联系您。"


def _dialed(db: Database) -> tuple[int, int]:
    with db.session() as s:
        cl = add_list(s, add_customers(s, 1))
        spec = make_spec(
            [cl.id],
            script_id="points_reminder",
            language="zh-CN",
            compliance=CompliancePolicy(machine_message=MESSAGE),
        )
        c = create_campaign(s, spec, NOW, by=Actor.system("test"))
        start_campaign(s, c.id, NOW, fast_settings(), "Asia/Shanghai", by=Actor.system("test"))
        a = s.scalar(select(Attempt).where(Attempt.campaign_id == c.id))
        assert a is not None
        a.status, a.carrier_sid, a.dialed_at = "dialing", "CAmachine", NOW
        return a.id, c.id


def test_a_carrier_flagged_machine_is_a_machine_everywhere(db: Database) -> None:
    aid, cid = _dialed(db)
    settings = fast_settings()
    with db.session() as s:  # the answer callback carries Twilio's AnsweredBy
        apply_carrier_status(
            s, now=NOW, settings=settings, default_tz="Asia/Shanghai",
            sid="CAmachine", status="in-progress", answered_by="machine_start",
        )  # fmt: skip
    services = LiveCallServices(db, clock=VirtualClock(NOW), router=Routed())
    setup = ScriptBrainFactory(default_language="zh-CN", services=services)(
        CallInfo.from_parameters(
            "CAmachine", "MZ1", {"attemptId": str(aid), "scriptId": "points_reminder"}
        )
    )
    assert isinstance(setup.brain, MachineBrain) and setup.observer is None
    actions = setup.brain.start()  # the configured message, then the hang-up
    assert [a.text for a in actions if isinstance(a, Say)] == [MESSAGE]
    assert isinstance(actions[-1], EndCall) and setup.brain.ended
    end = NOW + timedelta(seconds=20)
    with db.session() as s:  # a conversation that ran anyway does not make it a person
        record_finished_call(s, FinishedCall(aid, end, disposition="customer_hangup"))
    with db.session() as s:
        apply_carrier_status(
            s, now=end, settings=settings, default_tz="Asia/Shanghai",
            sid="CAmachine", status="completed",
        )  # fmt: skip
    with db.read() as s:
        a = s.get(Attempt, aid)
        assert a is not None and (a.answered_by, a.outcome) == ("voicemail", "voicemail")
        retry = s.scalar(select(Attempt).where(Attempt.retry_of_id == aid))
        assert retry is not None and retry.status == "queued"  # the voicemail rule
        c = s.get(Campaign, cid)
        assert c is not None
        facts = FactsLoader(s, settings, "Asia/Shanghai").load(audience_customers(s, c), end)
        assert all(not f.history.connected for f in facts.values())  # no contact


def test_a_voicemail_box_without_a_message_hears_nothing() -> None:
    actions = MachineBrain("").start()
    assert len(actions) == 1 and isinstance(actions[0], EndCall)


def test_a_person_heard_before_any_answer_is_the_network(db: Database) -> None:
    aid, _ = _dialed(db)
    with db.session() as s:  # early media: the carrier has reported no answer
        assert record_heard_answer(s, aid, "human", None, "short greeting") == "announcement"
    services = LiveCallServices(db, clock=VirtualClock(NOW), router=Routed(), answering=[])
    info = CallInfo.from_parameters("CAmachine", "MZ1", {"attemptId": str(aid)})
    handling = services.answer(info)
    assert handling is not None
    brain = handling.on_verdict(Verdict("human", None, "short greeting"))
    assert isinstance(brain, MachineBrain) and not brain.hang_up  # silent, never hangs up
    assert brain.start() == []


def test_the_call_waits_for_the_listener_on_its_longest_announcement(db: Database) -> None:
    """The call's own limit on answer detection is never shorter than the listener's: a
    slow 不在服务区 still being matched after 12 s is not declared a person."""
    aid, _ = _dialed(db)
    library = announcements.fingerprints(announcements.entries(None))
    services = LiveCallServices(db, clock=VirtualClock(NOW), router=Routed(), answering=library)
    handling = services.answer(
        CallInfo.from_parameters("CAmachine", "MZ1", {"attemptId": str(aid)})
    )
    assert handling is not None and isinstance(handling.listener, AudioAnswerListener)
    assert handling.listen_s > handling.listener.limit_s > 15.0  # 12.4 s template, 1.3x
