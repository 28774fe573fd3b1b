"""The simulated carrier's REST API and call lifecycle, on virtual time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from kernel.clock import SystemClock, VirtualClock
from simulator import audio
from simulator.callees import HangUp, Pause, ScriptedCallee
from simulator.calls import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, twilio_signature
from simulator.carrier import SimCarrier
from simulator.carrier_api import carrier_app
from simulator.lines import Answer, AnswerWithoutMedia, Busy, Failed, NoAnswer, StaticLinePlan
from tests.simulator.conftest import CallbackSink, run_virtual
from tests.simulator.fakebot import FakeBot

BASE = f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}"
ALL_EVENTS = ["initiated ringing answered completed"]


class Rig:
    def __init__(self, sink: CallbackSink, plan: StaticLinePlan) -> None:
        self.clock = VirtualClock()
        self.plan = plan
        self.sink = sink
        self.carrier = SimCarrier(
            clock=self.clock,
            media_clock=SystemClock(),
            line_plan=plan,
            seed=7,
            http=sink.client(),
        )
        self.api = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=carrier_app(self.carrier)),
            base_url="http://carrier",
            auth=(DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN),
        )

    async def dial(self, to: str, **extra: object) -> dict[str, object]:
        data: dict[str, object] = {
            "To": to,
            "From": "+8610000",
            "StreamUrl": "ws://127.0.0.1:9/none",
            "StatusCallback": "http://sink/status",
            "StatusCallbackEvent": ALL_EVENTS,
        }
        data.update(extra)
        r = await self.api.post(f"{BASE}/Calls.json", data=data)
        assert r.status_code == 201, r.text
        body: dict[str, object] = r.json()
        return body

    async def until_final(self, sid: str) -> None:
        await run_virtual(self.clock, lambda: self.carrier.calls[sid].finished.is_set())
        await run_virtual(self.clock, lambda: not self.carrier.callbacks.pending, step=0.01)


@pytest.fixture
async def rig(sink: CallbackSink) -> AsyncIterator[Rig]:
    r = Rig(sink, StaticLinePlan(default=Busy()))
    yield r
    await r.carrier.aclose()
    await r.api.aclose()


async def test_create_returns_twilio_shaped_resource(rig: Rig) -> None:
    body = await rig.dial("+8613800000000")
    assert body["status"] == "queued"
    assert str(body["sid"]).startswith("CA") and len(str(body["sid"])) == 34
    assert body["direction"] == "outbound-api" and body["api_version"] == "2010-04-01"
    assert body["uri"] == f"{BASE}/Calls/{body['sid']}.json"
    assert str(body["date_created"]).endswith("+0000")
    got = await rig.api.get(f"{BASE}/Calls/{body['sid']}.json")
    assert got.status_code == 200 and got.json()["sid"] == body["sid"]


async def test_api_errors_are_twilio_shaped(rig: Rig) -> None:
    bad = httpx.AsyncClient(
        transport=rig.api._transport, base_url="http://carrier", auth=(DEFAULT_ACCOUNT_SID, "wrong")
    )
    r = await bad.post(f"{BASE}/Calls.json", data={"To": "1", "From": "2", "StreamUrl": "ws://x"})
    assert r.status_code == 401 and r.json()["code"] == 20003
    r = await rig.api.post(f"{BASE}/Calls.json", data={"From": "2", "StreamUrl": "ws://x"})
    assert r.status_code == 400 and r.json()["code"] == 21201
    r = await rig.api.post(f"{BASE}/Calls.json", data={"To": "1", "From": "2"})
    assert r.status_code == 400 and r.json()["code"] == 21205
    r = await rig.api.post(
        f"{BASE}/Calls.json", data={"To": "1", "From": "2", "Twiml": "<Response><Connect>"}
    )
    assert r.status_code == 400 and r.json()["code"] == 12100
    r = await rig.api.get(f"{BASE}/Calls/CAnope.json")
    assert r.status_code == 404 and r.json()["code"] == 20404
    assert not rig.carrier.calls  # nothing half-created


async def test_busy_line(rig: Rig) -> None:
    rig.plan.default = Busy(after_s=3.0)
    sid = str((await rig.dial("+8613800000001"))["sid"])
    await rig.until_final(sid)
    assert rig.sink.statuses(sid) == ["initiated", "busy"]
    final = rig.sink.received[-1]
    assert final["SipResponseCode"] == "486" and final["CallDuration"] == "0"
    assert [int(r["SequenceNumber"]) for r in rig.sink.received] == [0, 1]


async def test_no_answer_after_the_callers_timeout(rig: Rig) -> None:
    rig.plan.default = NoAnswer()
    sid = str((await rig.dial("+8613800000002", Timeout="25"))["sid"])
    await rig.until_final(sid)
    call = rig.carrier.calls[sid]
    assert [h.status for h in call.history] == ["queued", "initiated", "ringing", "no-answer"]
    ring = call.history[3].mono - call.history[2].mono
    assert ring == pytest.approx(25.0, abs=0.11)
    assert rig.sink.statuses(sid) == ["initiated", "ringing", "no-answer"]


async def test_failed_line_and_default_callback_events(rig: Rig) -> None:
    rig.plan.default = Failed(sip_code=503)
    r = await rig.api.post(
        f"{BASE}/Calls.json",
        data={
            "To": "+861",
            "From": "+862",
            "StreamUrl": "ws://127.0.0.1:9/x",
            "StatusCallback": "http://sink/status",
        },
    )
    sid = r.json()["sid"]
    await rig.until_final(sid)
    assert rig.sink.statuses(sid) == ["failed"]  # Twilio's default: completed event only
    assert rig.sink.received[0]["SipResponseCode"] == "503"


async def test_callbacks_are_signed(rig: Rig) -> None:
    sid = str((await rig.dial("+8613800000001"))["sid"])
    await rig.until_final(sid)
    for form, headers in zip(rig.sink.received, rig.sink.headers, strict=True):
        expected = twilio_signature(DEFAULT_AUTH_TOKEN, "http://sink/status", form)
        assert headers["x-twilio-signature"] == expected


async def test_cancel_while_ringing(rig: Rig) -> None:
    rig.plan.default = NoAnswer()
    sid = str((await rig.dial("+8613800000002"))["sid"])
    await run_virtual(rig.clock, lambda: rig.carrier.calls[sid].status == "ringing")
    r = await rig.api.post(f"{BASE}/Calls/{sid}.json", data={"Status": "completed"})
    assert r.status_code == 200 and r.json()["status"] == "canceled"
    await rig.until_final(sid)
    assert rig.sink.statuses(sid) == ["initiated", "ringing", "canceled"]
    again = await rig.api.post(f"{BASE}/Calls/{sid}.json", data={"Status": "completed"})
    assert again.status_code == 400 and again.json()["code"] == 21220


async def test_answer_without_media_talks_then_hangs_up(rig: Rig) -> None:
    rig.plan.default = AnswerWithoutMedia(ring_s=2.0, talk_s=5.0)
    sid = str((await rig.dial("+8613800000005", MachineDetection="Enable"))["sid"])
    await rig.until_final(sid)
    call = rig.carrier.calls[sid]
    assert rig.sink.statuses(sid) == ["initiated", "ringing", "in-progress", "completed"]
    assert call.media is None and call.error is None  # no stream was even attempted
    assert call.history[-1].mono - call.history[-2].mono == pytest.approx(5.0, abs=0.11)
    final = rig.sink.received[-1]
    assert final["AnsweredBy"] == "human" and final["CallDuration"] in ("5", "6")  # ceil


async def test_stalled_create_places_the_call_before_answering(rig: Rig) -> None:
    rig.plan.default = AnswerWithoutMedia(ring_s=1.0, talk_s=60.0)
    stall = rig.carrier.stall_creates(nth=2, hold_s=10.0)
    await rig.dial("+8613800000006")
    assert not stall.reached.is_set()
    second = asyncio.create_task(rig.dial("+8613800000007"))
    await run_virtual(rig.clock, stall.reached.is_set, limit_s=1.0)
    # The call exists and progresses at the carrier while its creator still waits.
    assert stall.sid in rig.carrier.calls and not second.done()
    await run_virtual(rig.clock, lambda: rig.carrier.calls[str(stall.sid)].status == "in-progress")
    assert not second.done()
    await run_virtual(rig.clock, second.done, limit_s=10.0)
    assert (await second)["sid"] == stall.sid
    assert rig.carrier.active == 2 and rig.carrier.max_active == 2
    await rig.dial("+8613800000008")  # only the nth create stalls
    assert rig.carrier.creates == 3 and rig.carrier.max_active == 3
    for sid in list(rig.carrier.calls):
        await rig.carrier.hangup(sid)
    assert rig.carrier.active == 0 and rig.carrier.max_active == 3


async def test_answered_call_lifecycle_with_media(
    sink: CallbackSink, bot: tuple[FakeBot, str]
) -> None:
    fake, url = bot
    plan = StaticLinePlan(default=Answer(ring_s=6.0, callee=ScriptedCallee([Pause(0.4), HangUp()])))
    rig = Rig(sink, plan)
    try:
        body = await rig.dial(
            "+8613800000003",
            StreamUrl="",
            Twiml=(
                f'<Response><Connect><Stream url="{url}">'
                '<Parameter name="attempt_id" value="77"/></Stream></Connect></Response>'
            ),
        )
        sid = str(body["sid"])
        await rig.until_final(sid)
        assert rig.sink.statuses(sid) == ["initiated", "ringing", "in-progress", "completed"]
        call = rig.carrier.calls[sid]
        ringing, answered = call.history[2], call.history[3]
        assert answered.mono - ringing.mono == pytest.approx(6.0, abs=0.11)
        b = fake.sessions[0]
        await b.wait_for(lambda: b.closed.is_set())
        assert b.events()[:2] == ["connected", "start"] and b.events()[-1] == "stop"
        start = b.of("start")[0]["start"]
        assert start["callSid"] == sid and start["customParameters"] == {"attempt_id": "77"}
        assert "x-twilio-signature" in b.headers
        assert call.media is not None and call.media.closed_by == "customer"
        final = rig.sink.received[-1]
        assert final["CallStatus"] == "completed" and final["SipResponseCode"] == "200"
    finally:
        await rig.carrier.aclose()


async def test_bot_hangs_up_through_the_api(sink: CallbackSink, bot: tuple[FakeBot, str]) -> None:
    fake, url = bot
    rig = Rig(sink, StaticLinePlan(default=Answer(ring_s=1.0)))
    try:
        sid = str((await rig.dial("+8613800000004", StreamUrl=url))["sid"])
        await run_virtual(rig.clock, lambda: bool(fake.sessions) and fake.sessions[0].start)
        await asyncio.sleep(0.2)
        r = await rig.api.post(f"{BASE}/Calls/{sid}.json", data={"Status": "completed"})
        assert r.status_code == 200 and r.json()["status"] == "completed"
        b = fake.sessions[0]
        await b.wait_for(lambda: b.closed.is_set())
        assert b.events()[-1] == "stop"
        assert rig.carrier.calls[sid].media.closed_by == "carrier"  # type: ignore[union-attr]
    finally:
        await rig.carrier.aclose()


async def test_bot_closing_the_stream_completes_the_call(
    sink: CallbackSink, bot: tuple[FakeBot, str]
) -> None:
    fake, url = bot

    async def bye(b: object) -> None:
        from tests.simulator.fakebot import BotSession

        assert isinstance(b, BotSession)
        await b.wait_start()
        await b.send_audio(audio.tone(500, 0.2))
        await asyncio.sleep(0.4)
        await b.ws.close()

    fake.handler = bye
    rig = Rig(sink, StaticLinePlan(default=Answer(ring_s=1.0)))
    try:
        sid = str((await rig.dial("+8613800000005", StreamUrl=url))["sid"])
        await rig.until_final(sid)
        call = rig.carrier.calls[sid]
        assert call.status == "completed" and call.media is not None
        assert call.media.closed_by == "bot"
        assert sum(audio.is_speech_frame(f.payload) for f in call.media.captured) == 10
    finally:
        await rig.carrier.aclose()


async def test_twiml_fetched_from_url(sink: CallbackSink, bot: tuple[FakeBot, str]) -> None:
    fake, url = bot

    @sink.app.post("/twiml")
    async def twiml() -> object:
        from fastapi.responses import Response

        return Response(
            f'<Response><Connect><Stream url="{url}"/></Connect></Response>',
            media_type="application/xml",
        )

    rig = Rig(sink, StaticLinePlan(default=Answer(ring_s=1.0, callee=ScriptedCallee([HangUp()]))))
    try:
        sid = str((await rig.dial("+8613800000006", StreamUrl="", Url="http://sink/twiml"))["sid"])
        await rig.until_final(sid)
        assert fake.sessions and fake.sessions[0].start is not None
    finally:
        await rig.carrier.aclose()


async def test_a_restarted_carrier_hands_out_new_call_ids(sink: CallbackSink) -> None:
    """Two carriers with the same seed (a `simulator serve` restart) share no call id."""
    sids: list[str] = []
    for _ in range(2):
        r = Rig(sink, StaticLinePlan(default=Busy()))
        for _ in range(3):
            sids.append(str((await r.dial("+8613800000000"))["sid"]))
        await r.carrier.aclose()
        await r.api.aclose()
    assert len(set(sids)) == 6
