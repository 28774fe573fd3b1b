"""The simulated carrier's REST surface: Twilio's ``2010-04-01`` Calls API.

Mount ``carrier_router(carrier)`` in an app, or serve ``carrier_app(carrier)`` alone
(``simulator.server``). Basic auth is AccountSid:AuthToken, as with Twilio.
"""

from __future__ import annotations

import base64
import binascii

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from simulator.calls import API_VERSION, SimCarrierError
from simulator.carrier import SimCarrier


def _basic_auth(request: Request) -> tuple[str | None, str | None]:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None, None
    try:
        raw = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    user, _, password = raw.partition(":")
    return user, password


async def _form(request: Request) -> dict[str, list[str]]:
    form = await request.form()
    out: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            out.setdefault(key, []).append(value)
    return out


def _error(exc: SimCarrierError) -> JSONResponse:
    return JSONResponse(status_code=exc.status, content=exc.to_dict())


def carrier_router(carrier: SimCarrier) -> APIRouter:
    """The Calls endpoints bound to ``carrier``."""
    router = APIRouter(prefix=f"/{API_VERSION}/Accounts/{{account_sid}}", tags=["simulator"])

    def auth(request: Request, account_sid: str) -> None:
        user, password = _basic_auth(request)
        carrier.authenticate(account_sid, user, password)

    @router.post("/Calls.json", status_code=201)
    async def create_call(account_sid: str, request: Request) -> JSONResponse:
        try:
            auth(request, account_sid)
            call = await carrier.create_call(account_sid, await _form(request))
        except SimCarrierError as exc:
            return _error(exc)
        return JSONResponse(status_code=201, content=call.to_json())

    @router.get("/Calls/{call_sid}.json")
    async def get_call(account_sid: str, call_sid: str, request: Request) -> JSONResponse:
        try:
            auth(request, account_sid)
            call = carrier.get_call(account_sid, call_sid)
        except SimCarrierError as exc:
            return _error(exc)
        return JSONResponse(content=call.to_json())

    @router.post("/Calls/{call_sid}.json")
    async def update_call(account_sid: str, call_sid: str, request: Request) -> JSONResponse:
        try:
            auth(request, account_sid)
            call = await carrier.update_call(account_sid, call_sid, await _form(request))
        except SimCarrierError as exc:
            return _error(exc)
        return JSONResponse(content=call.to_json())

    @router.get("/Calls.json")
    async def list_calls(account_sid: str, request: Request) -> JSONResponse:
        try:
            auth(request, account_sid)
        except SimCarrierError as exc:
            return _error(exc)
        calls = [c.to_json() for c in carrier.calls.values() if c.account_sid == account_sid]
        return JSONResponse(
            content={
                "calls": calls,
                "page": 0,
                "page_size": len(calls),
                "uri": f"/{API_VERSION}/Accounts/{account_sid}/Calls.json",
            }
        )

    return router


def carrier_app(carrier: SimCarrier) -> FastAPI:
    """A standalone app serving only the simulated carrier."""
    app = FastAPI(title="tailcall simulated carrier", version=API_VERSION)
    app.include_router(carrier_router(carrier))

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        return {"status": "ok", "calls": str(len(carrier.calls))}

    return app
