"""A dialer call in the app ``tailcall serve`` builds: the stream's start names the
attempt; the real script (ko-KR) greets the attempt's customer; the customer asks for an
agent out loud; the request reaches the console and an available agent is offered the
call; the agent accepts and the gates turn to the human; when the customer hangs up, the
call's outcome (handoff accepted, a lead) is recorded on the attempt."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import uvicorn
from fastapi import Request
from sqlalchemy import select

from crm_sync.models import Lead
from dialer.campaigns.models import Attempt
from dialer.campaigns.service import create_campaign, start_campaign
from handoff.models import HandoffRequestRow, Offer
from handoff.state import get_console
from kernel.actors import Actor
from kernel.db import Database
from kernel.settings import Settings
from tailcall.app import create_app
from tests.dialer.conftest import add_customers, add_list, fast_settings, make_spec
from tests.dialogue.carrier_client import CarrierCall
from tests.dialogue.conftest import (  # noqa: F401  (fixtures)
    ko_model,
    ko_registry,
    session_speech_settings,
    speak,
    speech_root,
)
from tests.handoff.conftest import add_user

pytestmark = pytest.mark.speech


def _attempt(db: Database) -> int:
    now = datetime.now(UTC)
    with db.session() as s:
        customers = add_customers(s, 1, points=12000)
        customers[0].name = "김민수"
        cl = add_list(s, customers)
        spec = make_spec(
            [cl.id],
            script_id="points_reminder",
            language="ko-KR",
            live_handoff=True,
            handoff_skill="general",
        )
        c = create_campaign(s, spec, now, by=Actor.system("test"))
        start_campaign(s, c.id, now, fast_settings(), "Asia/Seoul", by=Actor.system("test"))
        a = s.scalar(select(Attempt).where(Attempt.campaign_id == c.id))
        assert a is not None
        a.status, a.answered_at = "in_progress", now
        return a.id


async def _until(cond: Callable[[], Any], call: CarrierCall, timeout: float = 15.0) -> Any:
    end = time.monotonic() + timeout
    while True:
        got = cond()
        if got:
            return got
        assert time.monotonic() < end, "condition not met in time"
        await call.silence(0.1)


def _drain(q: asyncio.Queue[Any]) -> list[Any]:
    out = []
    while not q.empty():
        ev = q.get_nowait()
        if ev is not None:
            out.append(ev)
    return out


@contextlib.asynccontextmanager
async def _serve(settings: Settings, db: Database) -> AsyncIterator[tuple[Any, int]]:
    """The serve app's media path and console on a real port; hang-ups answered here."""
    app = create_app(settings, db, media=True)

    @app.post("/2010-04-01/Accounts/{account}/Calls/{call}.json")
    async def hangup(account: str, call: str, request: Request) -> dict[str, str]:
        return {"sid": call, "status": "completed"}

    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    runtime = app.state.speech_runtime
    runtime.settings = runtime.settings.model_copy(
        update={"carrier_api_base_url": f"http://127.0.0.1:{port}"}
    )
    try:
        yield app, port
    finally:
        await get_console(app).service.close()
        server.should_exit = True
        await asyncio.wait_for(task, 10)


async def test_a_dialer_call_reaches_an_agent_and_its_outcome_is_recorded(
    settings: Settings,
    db: Database,
    speak: Callable[..., bytes],  # noqa: F811
    ko_model: Any,  # noqa: F811
) -> None:
    agent = add_user(db, "ann", skills=("general",), status="available")
    aid = _attempt(db)

    def request_row() -> HandoffRequestRow | None:
        with db.read() as s:
            return s.scalar(select(HandoffRequestRow).where(HandoffRequestRow.call_sid == "CA-s1"))

    async with _serve(settings, db) as (app, port):
        console = get_console(app)
        call = CarrierCall(
            f"ws://127.0.0.1:{port}/media/ws",
            call_sid="CA-s1",
            stream_sid="MZ-s1",
            params={
                "attemptId": str(aid),
                "scriptId": "points_reminder",
                "language": "ko-KR",
                "token": settings.media_stream_token,
            },
        )
        async with call:
            await call.wait_bot_quiet()
            assert call.bot_audio  # greeted
            await call.send_pcm(speak("상담원 연결"))
            row = await _until(request_row, call, 20)
            assert row.customer_id is not None and row.skill == "general"
            with db.read() as s:
                offer = s.scalar(select(Offer).where(Offer.request_id == row.id))
            assert offer is not None and offer.agent_id == agent  # the agent was alerted
            await console.service.accept(agent, row.id)
            live = console.registry.get("CA-s1")
            assert live is not None
            await _until(lambda: live.control.switch.output.mode == "human", call, 15)
        # the customer hung up: the outcome goes to the attempt and the CRM

        def recorded() -> Attempt | None:
            with db.read() as s:
                a = s.get(Attempt, aid)
                return a if a is not None and a.disposition is not None else None

        end = time.monotonic() + 15
        while recorded() is None:
            assert time.monotonic() < end, "the call's outcome was not recorded"
            await asyncio.sleep(0.1)
        with db.read() as s:
            a = s.get(Attempt, aid)
            assert a is not None and a.handoff_requested_at is not None
            leads = list(s.scalars(select(Lead).where(Lead.attempt_id == aid)))
        assert leads and leads[0].handoff_result == "accepted"
        transcript = console.registry.get("CA-s1")
        assert transcript is None  # the live call was unregistered at the end


async def test_a_stream_without_the_token_is_refused(
    settings: Settings,
    db: Database,
    ko_model: Any,  # noqa: F811
) -> None:
    aid = _attempt(db)
    async with _serve(settings, db) as (app, port):
        call = CarrierCall(
            f"ws://127.0.0.1:{port}/media/ws",
            call_sid="CA-x1",
            stream_sid="MZ-x1",
            params={"attemptId": str(aid), "scriptId": "points_reminder", "token": "guess"},
        )
        async with call:
            end = time.monotonic() + 5
            while call.closed_at is None and time.monotonic() < end:
                await call.silence(0.1)
            assert call.closed_at is not None and not call.bot_audio
        assert get_console(app).registry.get("CA-x1") is None


async def test_an_agent_first_call_back_connects_the_agent_when_answered(
    settings: Settings,
    db: Database,
    speak: Callable[..., bytes],  # noqa: F811
    ko_model: Any,  # noqa: F811
) -> None:
    agent = add_user(db, "ann", skills=("general",), status="on_call")
    aid = _attempt(db)
    async with _serve(settings, db) as (app, port):
        console = get_console(app)
        inbox = console.bus.subscribe(agent, "agent")  # the agent's console
        call = CarrierCall(
            f"ws://127.0.0.1:{port}/media/ws",
            call_sid="CA-cb1",
            stream_sid="MZ-cb1",
            params={
                "attemptId": str(aid),
                "scriptId": "points_reminder",
                "language": "ko-KR",
                "token": settings.media_stream_token,
                "agentId": str(agent),
                "taskId": "",
            },
        )
        async with call:
            live = await _until(lambda: console.registry.get("CA-cb1"), call, 10)
            await _until(lambda: live.control.switch.output.mode == "human", call, 5)
            assert live.agent_id == agent
            await call.silence(1.0)
            assert not call.bot_audio  # the bot never spoke: the agent has the line
            kinds = [e.kind for e in _drain(inbox.queue)]
            assert "connected" in kinds
        with db.read() as s:
            row = s.scalar(select(HandoffRequestRow).where(HandoffRequestRow.call_sid == "CA-cb1"))
        assert row is not None and row.agent_id == agent and row.state == "agent_call_back"
