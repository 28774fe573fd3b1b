"""Script maker-checker over HTTP (``/api/scripts/versions``): console users submit the
script file calls would speak, and a different compliance or admin user approves or
rejects it (``handoff.script_reviews`` holds the versions' view and the CLI)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from handoff.auth import Principal, require
from handoff.script_reviews import submit_shipped, version_view
from handoff.state import get_console
from kernel.bounds import RowId
from scripts.versions import decide, list_versions

router = APIRouter(prefix="/api/scripts", tags=["scripts"])

READERS = require("supervisor", "admin", "compliance")
AUTHORS = require("supervisor", "admin", "compliance")
REVIEWERS = require("admin", "compliance")


class SubmitIn(BaseModel):
    script_id: str = Field(min_length=1, max_length=100, pattern=r"^[a-z][a-z0-9_]*$")
    language: str = Field(pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")
    note: str = Field(default="", max_length=500)


class DecideIn(BaseModel):
    note: str = Field(default="", max_length=500)


@router.get("/versions")
def versions(
    request: Request, script_id: str | None = None, _who: Principal = Depends(READERS)
) -> list[dict[str, Any]]:
    with get_console(request.app).db.read() as s:
        return [version_view(v) for v in list_versions(s, script_id)]


@router.post("/versions", status_code=201)
def submit_version(
    body: SubmitIn, request: Request, who: Principal = Depends(AUTHORS)
) -> dict[str, Any]:
    console = get_console(request.app)
    with console.db.session() as s:
        row = submit_shipped(
            s, body.script_id, body.language, who.username, body.note, console.clock.now()
        )
        return version_view(row)


def _decide(
    request: Request,
    version_id: int,
    decision: Literal["approve", "reject"],
    who: Principal,
    note: str,
) -> dict[str, Any]:
    console = get_console(request.app)
    with console.db.session() as s:
        row = decide(s, version_id, decision, who.username, who.role, console.clock.now(), note)
        return version_view(row)


@router.post("/versions/{version_id}/approve")
def approve(
    version_id: RowId, body: DecideIn, request: Request, who: Principal = Depends(REVIEWERS)
) -> dict[str, Any]:
    return _decide(request, version_id, "approve", who, body.note)


@router.post("/versions/{version_id}/reject")
def reject(
    version_id: RowId, body: DecideIn, request: Request, who: Principal = Depends(REVIEWERS)
) -> dict[str, Any]:
    return _decide(request, version_id, "reject", who, body.note)
