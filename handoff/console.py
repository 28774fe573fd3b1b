"""The console's pages and websockets (``/console``): server-rendered HTML, vanilla JS.

Pages: login, the agent console, the supervisor board. Websockets (session and Origin
checked on connect, 1008 when refused):
- ``/console/ws?after=SEQ``: numbered events; the console first gets what it missed.
- ``/console/audio`` (agent): mic PCM16 16 kHz in, customer audio out.
- ``/console/listen/{call_sid}`` (supervisor): silent listen-in to the customer and agent
  (audited, as the whisper is).
- ``/console/whisper/{agent_id}`` (supervisor): mic to that agent only.
- ``/console/barge/{call_sid}`` (supervisor): mic to the customer and the agent of a
  taken-over call.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request, WebSocket
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.websockets import WebSocketDisconnect

from handoff import audit
from handoff.audio import AudioOut
from handoff.auth import (
    LOGIN_CSRF_COOKIE,
    check_login_csrf,
    create_session,
    login_csrf,
    principal_of,
    revoke_session,
    same_secret,
    websocket_principal,
)
from handoff.events import Event, Subscriber
from handoff.i18n import TEXT, lang_of
from handoff.logins import attempt_login
from handoff.pages import AGENT_BODY, BOARD_BODY, header
from handoff.state import Console, get_console
from kernel.bounds import MAX_INT64, RowId

router = APIRouter(prefix="/console", tags=["console"])
STATIC = Path(__file__).with_name("static")
STATIC_FILES = {"console.js", "audio-worklet.js", "console.css", "board.js"}
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "media-src 'self' blob:; worker-src 'self' blob:; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _page(title: str, body: str, lang: str, scripts: tuple[str, ...] = ()) -> HTMLResponse:
    tags = "".join(f'<script src="/console/static/{s}" defer></script>' for s in scripts)
    doc = (
        f'<!doctype html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head>'
        f'<meta charset="utf-8"><title>{html.escape(title)}</title>'
        '<link rel="stylesheet" href="/console/static/console.css">'
        f"{tags}</head><body>{body}</body></html>"
    )
    return HTMLResponse(doc, headers=PAGE_HEADERS)


def _lang_bar(lang: str, path: str) -> str:
    other = "en" if lang == "zh" else "zh"
    label = "English" if other == "en" else "中文"
    return f'<a class="lang" href="{path}?lang={other}">{label}</a>'


def _set_lang(resp: Response, request: Request) -> None:
    if request.query_params.get("lang") in TEXT:
        resp.set_cookie("tc_lang", request.query_params["lang"], samesite="strict")


@router.get("/static/{name}")
def static(name: str) -> FileResponse:
    if name not in STATIC_FILES:
        raise HTTPException(status_code=404)
    media = "text/css" if name.endswith(".css") else "text/javascript"
    return FileResponse(STATIC / name, media_type=media, headers={"Cache-Control": "no-cache"})


@router.get("/login", response_model=None)
def login_page(request: Request, error: str = "") -> Response:
    console = get_console(request.app)
    lang = lang_of(request)
    t = TEXT[lang]
    nonce = secrets.token_urlsafe(16)
    token = login_csrf(console.secret, nonce)
    message = {"throttled": t["login_throttled"], "locked": t["login_locked"]}.get(
        error, t["login_failed"]
    )
    err = f'<p class="error" role="alert">{html.escape(message)}</p>' if error else ""
    body = (
        f'<main class="login"><h1>{t["title"]}</h1>{_lang_bar(lang, "/console/login")}{err}'
        '<form method="post" action="/console/login">'
        f'<input type="hidden" name="csrf_token" value="{token}">'
        f'<label>{t["username"]}<input name="username" id="username" autocomplete="username" required></label>'
        f'<label>{t["password"]}<input name="password" id="password" type="password" autocomplete="current-password" required></label>'
        f'<button type="submit" id="login">{t["login"]}</button></form></main>'
    )
    resp = _page(t["title"], body, lang)
    resp.set_cookie(
        LOGIN_CSRF_COOKIE,
        nonce,
        httponly=True,
        samesite="strict",
        secure=console.cookie_secure,
        max_age=3600,
    )
    _set_lang(resp, request)
    return resp


@router.post("/login", response_model=None)
def login(
    request: Request,
    username: str = Form(max_length=64),
    password: str = Form(max_length=200),
    csrf_token: str = Form(default="", max_length=200),
) -> Response:
    console = get_console(request.app)
    if not check_login_csrf(console.secret, request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token):
        return Response("CSRF check failed", status_code=403)
    address = request.client.host if request.client else ""
    result = attempt_login(console.db, username, password, address, console.clock.now())
    user = result.user
    if user is None:
        why = "1" if result.refused == "failed" else str(result.refused)
        return RedirectResponse(f"/console/login?error={why}", status_code=303)
    token = create_session(
        console.db, user.id, console.clock.now(), console.settings.session_lifetime_s
    )
    target = (
        "/console/home"
        if user.role in ("supervisor", "admin")
        else "/console/board"
        if user.role == "compliance"
        else "/console"
    )
    resp = RedirectResponse(target, status_code=303)
    resp.set_cookie(
        console.settings.cookie_name,
        token,
        httponly=True,
        samesite="strict",
        secure=console.cookie_secure,
        max_age=int(console.settings.session_lifetime_s),
        path="/",
    )
    resp.delete_cookie(LOGIN_CSRF_COOKIE)
    return resp


@router.post("/logout", response_model=None)
def logout(request: Request, csrf_token: str = Form(default="")) -> Response:
    console = get_console(request.app)
    who = principal_of(request)
    if who is None:
        return RedirectResponse("/console/login", status_code=303)
    if not same_secret(csrf_token, who.csrf_token):
        return Response("CSRF check failed", status_code=403)
    token = request.cookies.get(console.settings.cookie_name, "")
    revoke_session(console.db, token)
    resp = RedirectResponse("/console/login", status_code=303)
    resp.delete_cookie(console.settings.cookie_name, path="/")
    return resp


def _shell(request: Request, role_page: str) -> Response:
    who = principal_of(request)
    if who is None:
        return RedirectResponse("/console/login", status_code=303)
    allowed = {"agent": ("agent",), "board": ("supervisor", "admin", "compliance")}[role_page]
    if who.role not in allowed:
        return Response("role not allowed", status_code=403)
    lang = lang_of(request)
    t = TEXT[lang]
    console = get_console(request.app)
    config = html.escape(
        json.dumps(
            {
                "user_id": who.user_id,
                "name": who.display_name or who.username,
                "role": who.role,
                "csrf": who.csrf_token,
                "lang": lang,
                "text": t,
                "latency_cap_ms": console.settings.audio_latency_cap_ms,
                # the presence as stored: the page never shows a default
                "presence": console.desk.presence(who.user_id) if who.role == "agent" else None,
            },
            ensure_ascii=False,
        )
    )
    scripts: tuple[str, ...]
    if role_page == "agent":
        title, body, scripts = t["title"], AGENT_BODY.format(**t), ("console.js",)
    else:
        title, body = t["board_title"], BOARD_BODY.format(**t)
        scripts = ("console.js", "board.js")
    path = "/console" if role_page == "agent" else "/console/board"
    name = who.display_name or who.username
    board = role_page == "board"
    body = header(t, title, name, _lang_bar(lang, path), who.csrf_token, home=board) + body
    resp = _page(title, f'<div id="config" data-config="{config}"></div>{body}', lang, scripts)
    _set_lang(resp, request)
    return resp


@router.get("", response_model=None)
def agent_page(request: Request) -> Response:
    return _shell(request, "agent")


@router.get("/board", response_model=None)
def board_page(request: Request) -> Response:
    return _shell(request, "board")


# ------------------------------------------------------------------ websockets
@router.websocket("/ws")
async def events_ws(websocket: WebSocket) -> None:
    who = await websocket_principal(websocket, ("agent", "supervisor", "admin", "compliance"))
    if who is None:
        return
    console = get_console(websocket.app)
    bus = console.bus
    sub = bus.subscribe(who.user_id, who.role)
    if who.role == "agent":
        console.desk.console_connected(who.user_id)
    try:
        after = min(int(websocket.query_params.get("after") or 0), MAX_INT64)
    except ValueError:
        after = 0
    try:
        if after > 0:
            for ev in bus.replay(who.user_id, who.role, after, console.settings.event_replay_limit):
                await websocket.send_text(ev.text)
        hello: dict[str, Any] = {"kind": "hello", "seq": None, "last_seq": bus.last_seq()}
        if who.role == "agent":
            hello["active"] = console.service.active_for_agent(who.user_id)
            hello["presence"] = console.desk.presence(who.user_id)
        else:
            hello["board"] = console.service.board()
        await websocket.send_text(json.dumps(hello, ensure_ascii=False))
        watch = None if who.role == "agent" else lambda sid: _watch(console, sub, sid)
        reader = asyncio.create_task(_drain(websocket, watch))
        try:
            while not reader.done():
                getter = asyncio.create_task(sub.queue.get())
                done, _ = await asyncio.wait({getter, reader}, return_when=asyncio.FIRST_COMPLETED)
                if getter not in done:
                    getter.cancel()
                    break
                item = getter.result()
                if item is None or sub.overflowed:
                    break
                await websocket.send_text(item.text)
        finally:
            reader.cancel()
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        bus.unsubscribe(sub)
        if who.role == "agent":
            console.desk.console_disconnected(who.user_id)
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await websocket.close()


def _watch(console: Console, sub: Subscriber, call_sid: str | None) -> None:
    """A supervisor's page follows one call's live transcript: what it said so far first,
    then each row as it comes (``floor_transcript``, in the same queue, so in order)."""
    sub.watching = call_sid
    if call_sid:
        now = console.clock.now().isoformat()
        sub.offer(Event(None, "floor_transcript", console.service.floor.transcript(call_sid), now))


async def _drain(websocket: WebSocket, watch: Callable[[str | None], None] | None = None) -> None:
    """Read client messages until the socket closes: ``{"watch": call_id | null}`` from a
    supervisor's page; anything else is ignored."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            msg = await websocket.receive()
            if msg["type"] == "websocket.disconnect":
                return
            if watch is not None and msg.get("text"):
                watch(_watched(msg["text"]))


def _watched(text: str) -> str | None:
    """The call id of a watch message (a bounded identifier), else None."""
    try:
        data = json.loads(text[:200])
    except ValueError:
        return None
    sid = data.get("watch") if isinstance(data, dict) else None
    if (
        isinstance(sid, str)
        and 0 < len(sid) <= 64
        and sid.replace("-", "").replace("_", "").isalnum()
    ):
        return sid
    return None


@router.websocket("/audio")
async def agent_audio_ws(websocket: WebSocket) -> None:
    who = await websocket_principal(websocket, ("agent",))
    if who is None:
        return
    console = get_console(websocket.app)
    out = AudioOut(websocket.send_bytes, console.settings.audio_latency_cap_ms)
    out.start()
    console.hub.attach_agent(who.user_id, out)
    console.service.agent_audio_connected(who.user_id)
    try:
        while True:
            msg = await websocket.receive()
            if msg["type"] == "websocket.disconnect":
                break
            data = msg.get("bytes")
            if data:
                await console.service.agent_audio_in(who.user_id, data)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        await out.close()
        if console.hub.agents.get(who.user_id) is out:
            console.hub.detach_agent(who.user_id, out)
            console.service.agent_audio_dropped(who.user_id)


@router.websocket("/listen/{call_sid}")
async def listen_ws(websocket: WebSocket, call_sid: str) -> None:
    who = await websocket_principal(websocket, ("supervisor", "admin"))
    if who is None:
        return
    console = get_console(websocket.app)
    await asyncio.to_thread(
        audit.record, console.db, "live_listened", console.clock.now(),
        username=who.username, subject=f"sid:{call_sid}",
    )  # fmt: skip
    out = AudioOut(websocket.send_bytes, console.settings.audio_latency_cap_ms)
    out.start()
    console.hub.listen(call_sid, out)
    try:
        await _drain(websocket)
    finally:
        console.hub.unlisten(call_sid, out)
        await out.close()


@router.websocket("/whisper/{agent_id}")
async def whisper_ws(websocket: WebSocket, agent_id: RowId) -> None:
    who = await websocket_principal(websocket, ("supervisor", "admin"))
    if who is None:
        return
    console = get_console(websocket.app)
    await asyncio.to_thread(
        audit.record, console.db, "live_whispered", console.clock.now(),
        username=who.username, subject=f"agent:{agent_id}",
    )  # fmt: skip
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            msg = await websocket.receive()
            if msg["type"] == "websocket.disconnect":
                break
            if msg.get("bytes"):
                console.hub.whisper(agent_id, msg["bytes"])


@router.websocket("/barge/{call_sid}")
async def barge_ws(websocket: WebSocket, call_sid: str) -> None:
    """A supervisor joins a taken-over call: their microphone reaches the customer (mixed
    into the agent's voice) and the agent (as a whisper)."""
    who = await websocket_principal(websocket, ("supervisor", "admin"))
    if who is None:
        return
    console = get_console(websocket.app)
    await asyncio.to_thread(
        audit.record, console.db, "live_barged", console.clock.now(),
        username=who.username, subject=f"sid:{call_sid}",
    )  # fmt: skip
    try:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            while True:
                msg = await websocket.receive()
                if msg["type"] == "websocket.disconnect":
                    break
                live = console.registry.get(call_sid)
                if msg.get("bytes") and live is not None and live.agent_id is not None:
                    console.hub.barge.push(call_sid, msg["bytes"])
                    console.hub.whisper(live.agent_id, msg["bytes"])
    finally:
        console.hub.barge.stop(call_sid)
