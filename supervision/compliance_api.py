"""``/api/compliance``: the per-call compliance record for a complaint or a regulator.

``GET /api/compliance/export?customer=X`` (the bank's customer id, or the internal id) or
``?campaign=Y``: every entry of that customer or campaign in order with its hash, and the
verification of the whole chain (``dialer.campaigns.ledger``), as JSON or as a CSV
download (``format=csv``; the verification in the ``X-Compliance-Chain`` header). The
same record as ``tailcall compliance export``. Every export writes an audit entry
(``exported``, the scope and the format) before the record is returned.
``GET /api/compliance/verify``: the chain's verification alone.

Mounted for compliance officers, supervisors and admins (``tailcall.routes``).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from dialer.campaigns import ledger
from handoff.auth import Principal, require
from kernel.audit import append
from kernel.bounds import RowId
from kernel.db import Database, utcnow
from kernel.errors import InvalidInput, NotFound

router = APIRouter(prefix="/api/compliance", tags=["compliance"])
READERS = require("compliance", "supervisor", "admin")


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _verification(v: ledger.Verification) -> dict[str, Any]:
    return {"ok": v.ok, "entries": v.entries, "broken_at": v.broken_at, "problem": v.problem}


def _chain_header(v: ledger.Verification) -> str:
    return f"ok; {v.entries} entries" if v.ok else f"broken at entry {v.broken_at}: {v.problem}"


@router.get("/export", response_model=None)
def export(
    request: Request,
    customer: str | None = Query(
        None, min_length=1, max_length=64, description="the bank's customer id, or the internal id"
    ),
    campaign: RowId | None = Query(None, description="a campaign id"),
    format: Literal["json", "csv"] = Query("json"),
    who: Principal = Depends(READERS),
) -> dict[str, Any] | Response:
    """One customer's or one campaign's compliance entries, with the chain's verification."""
    if (customer is None) == (campaign is None):
        raise InvalidInput("give exactly one of customer or campaign", where="customer")
    db = _db(request)
    with db.read() as s:
        customer_id: int | None = None
        if customer is not None:
            customer_id = ledger.customer_of(s, customer)
            if customer_id is None:
                raise NotFound(f"no customer {customer!r}", where="customer")
        rows = ledger.export(s, customer_id=customer_id, campaign_id=campaign)
        check = ledger.verify(s)
    scope = f"customer:{customer_id}" if customer_id is not None else f"campaign:{campaign}"
    now = utcnow()
    with db.session() as s:
        address = request.client.host if request.client else ""
        append(s, "exported", now, username=who.username, address=address,
               subject=f"compliance:{scope}", detail=f"{format}; {len(rows)} entries")  # fmt: skip
    if format == "csv":
        name = f"compliance-{scope.replace(':', '-')}.csv"
        return Response(
            ledger.export_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "X-Compliance-Chain": _chain_header(check),
                "Cache-Control": "no-store",
            },
        )
    return {
        "scope": {"customer_id": customer_id, "campaign_id": campaign},
        "exported_at": now.isoformat(),
        "exported_by": who.username,
        "verification": _verification(check),
        "entries": rows,
    }


@router.get("/verify")
def verify(request: Request, who: Principal = Depends(READERS)) -> dict[str, Any]:
    """The whole chain checked: the first entry changed, removed or reordered, if any."""
    with _db(request).read() as s:
        return _verification(ledger.verify(s))
