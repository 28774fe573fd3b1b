"""JSON endpoints of the console (``/api/console``); each checks the role, writes need CSRF.

Endpoints that publish console events are ``async``: the event bus hands events to
asyncio queues, which must happen on the event loop, not in a worker thread."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from handoff.auth import Principal, require
from handoff.models import FollowUpTask
from handoff.state import get_console
from kernel.bounds import RowId

router = APIRouter(prefix="/api/console", tags=["console"])

AGENT = require("agent")
ANYONE = require("agent", "supervisor", "admin")
SUPERVISOR = require("supervisor", "admin")
EVERY_ROLE = require()


class PresenceIn(BaseModel):
    status: Literal["available", "away", "offline"]


class HandBackIn(BaseModel):
    state: str | None = Field(default=None, max_length=64)


class EndIn(BaseModel):
    disposition: str = Field(min_length=1, max_length=32)
    notes: str = Field(default="", max_length=4000)
    branch_follow_up: bool = False


class CompleteIn(BaseModel):
    outcome: str = Field(min_length=1, max_length=32)
    notes: str = Field(default="", max_length=4000)


@router.get("/me")
def me(who: Principal = Depends(EVERY_ROLE)) -> dict[str, Any]:
    return {
        "user_id": who.user_id,
        "username": who.username,
        "name": who.display_name,
        "role": who.role,
        "csrf_token": who.csrf_token,
    }


@router.post("/presence")
async def presence(
    body: PresenceIn, request: Request, who: Principal = Depends(AGENT)
) -> dict[str, str]:
    get_console(request.app).desk.set_presence(who.user_id, body.status)
    return {"status": body.status}


@router.get("/offers")
def my_offers(request: Request, who: Principal = Depends(AGENT)) -> list[dict[str, Any]]:
    return get_console(request.app).service.active_for_agent(who.user_id)


@router.post("/offers/{request_id}/accept")
async def accept(
    request_id: RowId, request: Request, who: Principal = Depends(AGENT)
) -> dict[str, str]:
    await get_console(request.app).service.accept(who.user_id, request_id)
    return {"result": "accepted"}


@router.post("/offers/{request_id}/decline")
async def decline(
    request_id: RowId, request: Request, who: Principal = Depends(AGENT)
) -> dict[str, str]:
    await get_console(request.app).service.decline(who.user_id, request_id)
    return {"result": "declined"}


@router.post("/calls/{call_sid}/hand-back")
async def hand_back(
    call_sid: str, body: HandBackIn, request: Request, who: Principal = Depends(AGENT)
) -> dict[str, str]:
    await get_console(request.app).service.hand_back(who.user_id, call_sid, body.state)
    return {"result": "handed_back"}


@router.post("/calls/{call_sid}/end")
async def end_call(
    call_sid: str, body: EndIn, request: Request, who: Principal = Depends(AGENT)
) -> dict[str, str]:
    await get_console(request.app).service.end_call(
        who.user_id, call_sid, body.disposition, body.notes, branch=body.branch_follow_up
    )
    return {"result": "ended"}


@router.get("/follow-ups")
def follow_ups(
    request: Request, status: str = "open", who: Principal = Depends(ANYONE)
) -> list[dict[str, Any]]:
    console = get_console(request.app)
    with console.db.read() as s:
        q = select(FollowUpTask).where(FollowUpTask.status == status)
        if who.role == "agent" and status != "open":  # others' work is not an agent's
            q = q.where(FollowUpTask.claimed_by == who.user_id)
        rows = s.scalars(q.order_by(FollowUpTask.callback_at).limit(200)).all()
    return [
        {
            "id": t.id,
            "call_sid": t.call_sid,
            "customer_id": t.customer_id,
            "reason": t.reason,
            "grade": t.grade,
            "callback_at": t.callback_at.isoformat(),
            "transcript_ref": t.transcript_ref,
            "status": t.status,
            "claimed_by": t.claimed_by,
        }
        for t in rows
    ]


@router.post("/follow-ups/{task_id}/claim")
async def claim(
    task_id: RowId, request: Request, who: Principal = Depends(AGENT)
) -> dict[str, str]:
    get_console(request.app).followups.claim(who.user_id, task_id)
    return {"result": "claimed"}


@router.post("/follow-ups/{task_id}/complete")
async def complete(
    task_id: RowId, body: CompleteIn, request: Request, who: Principal = Depends(AGENT)
) -> dict[str, str]:
    get_console(request.app).followups.complete(who.user_id, task_id, body.outcome, body.notes)
    return {"result": "done"}


@router.post("/follow-ups/{task_id}/call-back")
async def call_back(
    task_id: RowId, request: Request, who: Principal = Depends(AGENT)
) -> dict[str, str]:
    get_console(request.app).followups.call_back(who.user_id, task_id)
    return {"result": "requested"}


@router.get("/board")
def board(request: Request, who: Principal = Depends(SUPERVISOR)) -> dict[str, Any]:
    return get_console(request.app).service.board()
