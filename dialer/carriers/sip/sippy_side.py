"""The sippy half of the trunk: transaction manager, REGISTER, one UA per call.

Everything here runs in the sippy thread (see ``sippy_thread``) and imports sippy lazily
there. It reports to the asyncio half only through ``post``, with plain Python values.
sippy gives us the INVITE/non-INVITE transactions (retransmissions, Timer B, ACK of non-2xx,
CANCEL, dialog routing, digest); this module adds session timers, the REGISTER refresh,
realm filtering and the facts the outcome needs (the 487 after our CANCEL, a locally made
408) that sippy does not surface as events.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from dialer.carriers.sip.config import TrunkConfig
from dialer.carriers.sip.headers import header, hf
from dialer.carriers.sip.registrar import Registrar
from dialer.carriers.sip.sdp import SdpError, SdpOffer, parse_answer
from dialer.carriers.sip.session_timer import SessionTimer, answer_refresh, parse_session_expires
from dialer.carriers.sip.sippy_thread import wire_logger

log = logging.getLogger("dialer.carriers.sip")

Post = Callable[..., None]


class LegListener(Protocol):
    """What the asyncio side of a call hears (each call arrives through ``post``)."""

    def sip_provisional(self, code: int, reason: str, sdp: str | None) -> None: ...
    def sip_answered(self, sdp: str | None) -> None: ...
    def sip_failed(self, code: int, reason: str, local_timeout: bool, detail: str) -> None: ...
    def sip_final_after_cancel(self, code: int, reason: str, local_timeout: bool) -> None: ...
    def sip_remote_bye(self, reason: str) -> None: ...
    def sip_remote_sdp(self, sdp: str) -> None: ...
    def sip_refresh_failed(self, detail: str) -> None: ...
    def sip_bye_done(self, code: int, reason: str) -> None: ...
    def sip_dead(self) -> None: ...
    def sip_local_error(self, detail: str) -> None: ...


@dataclass(frozen=True)
class CallRequest:
    """What the asyncio side asks for when it places a call."""

    call_id: str
    number: str
    caller_id: str
    offer: SdpOffer
    headers: tuple[tuple[str, str], ...] = ()


def free_udp_port(host: str) -> int:
    """A UDP port the OS considers free on ``host`` right now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


class SippyEndpoint:
    """One trunk's SIP socket, transaction manager and registration (sippy thread)."""

    def __init__(
        self, cfg: TrunkConfig, post: Post, on_registration: Callable[[bool, str], None]
    ) -> None:
        self.cfg = cfg
        self.post = post
        self.on_registration = on_registration
        self.gc: dict[str, Any] = {}
        self.tm: Any = None
        self.port = cfg.local_port
        self.legs: dict[str, Leg] = {}
        self.registrar: Registrar | None = None
        self.stopped = False

    def start(self) -> int:
        from sippy.SipConf import SipConf
        from sippy.SipTransactionManager import SipTransactionManager
        from sippy.Udp_server import Udp_server, Udp_server_opts

        class OneWorker(Udp_server_opts):  # type: ignore[misc]
            nworkers = 1

        class TM(SipTransactionManager):  # type: ignore[misc]
            model_udp_server = (Udp_server, OneWorker)

        SipConf.my_uaname = self.cfg.user_agent
        if self.port == 0:
            self.port = free_udp_port(self.cfg.local_host)
        self.gc = {
            "_sip_address": self.cfg.local_host,
            "_sip_port": self.port,
            "_sip_logger": wire_logger(),
        }
        try:
            self.tm = TM(self.gc, self._request)
        except OSError as exc:
            raise OSError(
                exc.errno,
                f"cannot bind the SIP socket {self.cfg.local_host}:{self.port}: {exc.strerror}",
            ) from None
        self.gc["_sip_tm"] = self.tm
        if self.cfg.register:
            self.registrar = Registrar(self)
            self.registrar.send(self.cfg.register_expires)
        return self.port

    def unregister(self) -> None:
        if self.registrar is not None:
            self.registrar.send(0)

    def stop(self) -> None:
        """Close the socket and join sippy's UDP threads; pending timers become no-ops."""
        self.stopped = True
        if self.registrar is not None:
            self.registrar.stop()
        for leg in list(self.legs.values()):
            leg.detach()
        self.legs.clear()
        if self.tm is not None:
            self._drain_sends()
            if self.tm.cp_timer is not None:
                self.tm.cp_timer.cancel()
                self.tm.cp_timer = None
            self.tm.l4r.shutdown()
            self.tm.req_cb = None

    def _drain_sends(self, timeout: float = 1.0) -> None:
        """Give sippy's sender threads a moment to put queued messages (BYE, CANCEL) on the wire."""
        deadline = time.monotonic() + timeout
        for server in list(self.tm.l4r.cache_l2s.values()):
            while not server.sendqueue.empty() and time.monotonic() < deadline:
                time.sleep(0.005)
        time.sleep(0.02)

    def _request(self, req: Any, _t: Any) -> Any:
        """Requests outside any dialog: answer OPTIONS, refuse the rest clearly."""
        method = req.getMethod()
        if method == "OPTIONS":
            return (req.genResponse(200, "OK"), None, None)
        if method == "INVITE":
            return (req.genResponse(480, "Inbound Calls Not Supported"), None, None)
        if method in ("BYE", "CANCEL", "UPDATE", "INFO", "PRACK"):
            return (req.genResponse(481, "Call/Transaction Does Not Exist"), None, None)
        if method == "ACK":
            return None
        return (req.genResponse(405, "Method Not Allowed"), None, None)

    def new_leg(self, request: CallRequest, listener: LegListener) -> None:
        leg = Leg(self, request, listener)
        self.legs[request.call_id] = leg
        try:
            leg.start()
        except Exception as exc:
            log.exception("%s: cannot send the INVITE", request.call_id)
            self.legs.pop(request.call_id, None)
            leg.detach()
            self.post(listener.sip_local_error, f"cannot send the INVITE: {exc}")

    def hangup(self, call_id: str) -> None:
        leg = self.legs.get(call_id)
        if leg is not None:
            leg.hangup()


_UA_CLASS: Any = None


def _ua_class() -> Any:
    """sippy's UA with hooks for what it does not report (built once, in the sippy thread)."""
    global _UA_CLASS
    if _UA_CLASS is not None:
        return _UA_CLASS
    from sippy.UA import UA

    class TrunkUA(UA):  # type: ignore[misc]
        leg: Leg | None = None

        def recvResponse(self, resp: Any, tr: Any) -> None:
            if self.leg is not None:
                self.leg.saw_response(resp)
            super().recvResponse(resp, tr)

        def processChallenge(self, resp: Any, cseq: Any, ch_hfname: str, *args: Any) -> bool:
            if self.leg is not None and not self.leg.challenge_ok(resp, ch_hfname):
                return False
            ok: bool = super().processChallenge(resp, cseq, ch_hfname, *args)
            return ok

        def recvRequest(self, req: Any, sip_t: Any) -> Any:
            method = req.getMethod()
            if self.leg is not None and method in ("INVITE", "UPDATE") and self.isConnected():
                self.leg.peer_refreshed(req)
                if method == "UPDATE":
                    return self.leg.answer_update(req)
            return super().recvRequest(req, sip_t)

        def newTransaction(self, req: Any, req_extra_headers: Any = None, **kwa: Any) -> Any:
            if req.getMethod() == "BYE" and kwa.get("resp_cb") is None and self.leg is not None:
                kwa["resp_cb"] = self.leg.bye_response
            return super().newTransaction(req, req_extra_headers, **kwa)

    _UA_CLASS = TrunkUA
    return TrunkUA


class Leg:
    """One outbound call's UA and session timer (sippy thread)."""

    def __init__(self, ep: SippyEndpoint, request: CallRequest, listener: LegListener) -> None:
        self.ep = ep
        self.request = request
        self.listener = listener
        self.ua: Any = None
        self.cancelling = False
        self.connected = False
        self.ended = False
        self.auth_error = ""
        self.final: tuple[int, str, bool] | None = None
        self.timer: SessionTimer | None = None
        self.timer_handle: Any = None
        self.refresh_auth_tried = False

    def _post(self, name: str, *args: object) -> None:
        if not self.ended or name in ("sip_bye_done", "sip_dead"):
            self.ep.post(getattr(self.listener, name), *args)

    def start(self) -> None:
        from sippy.CCEvents import CCEventTry
        from sippy.MsgBody import MsgBody
        from sippy.SipCallId import SipCallId

        cfg = self.ep.cfg
        ua = _ua_class()(
            self.ep.gc,
            event_cb=self._event,
            username=cfg.username,
            password=cfg.password,
            nh_address=(cfg.host, cfg.port),
            disc_cbs=(),
            fail_cbs=(),
            dead_cbs=(self._dead,),
        )
        ua.leg = self
        if cfg.outbound_proxy is not None:
            ua.outbound_proxy = cfg.next_hop
        ua.local_ua = None
        self.ua = ua
        headers = [
            header(name, value) for name, value in (*cfg.extra_headers, *self.request.headers)
        ]
        if cfg.session_timers:
            headers += [
                header("Supported", "timer"),
                header("Session-Expires", f"{cfg.session_expires};refresher=uac"),
            ]
        body = MsgBody(self.request.offer.render())
        event = CCEventTry(
            (
                SipCallId(self.request.call_id),
                self.request.caller_id,
                self.request.number,
                body,
                None,
                None,
            )
        )
        event.extra_headers = tuple(headers)
        ua.recvEvent(event)

    # ----- what sippy tells us -------------------------------------------------------------

    def saw_response(self, resp: Any) -> None:
        """Every response to this UA, before sippy's state machine sees it."""
        code, reason = resp.getSCode()
        _cseq, method = resp.getHFBody("cseq").getCSeq()
        if method != "INVITE" or code < 200:
            return
        local = resp.source is None
        if 200 <= code < 300 and not self.connected and not self.cancelling:
            se = hf(resp, "session-expires") or hf(resp, "x")
            self.timer = parse_session_expires(se, ours=self.ep.cfg.session_timers)
        if self.final is None:
            self.final = (code, reason, local)
        if self.cancelling:
            self._post("sip_final_after_cancel", code, reason, local)
            self.ended = True

    def challenge_ok(self, resp: Any, ch_hfname: str) -> bool:
        want = self.ep.cfg.realm
        if want is None:
            return True
        realms = [str(c.getRealm()) for c in resp.getHFBodys(ch_hfname)]
        if want in realms:
            return True
        self.auth_error = (
            f"challenge realm {', '.join(realms)!r} is not the configured realm {want!r}"
        )
        return False

    def _event(self, event: Any, ua: Any) -> None:
        from sippy.CCEvents import (
            CCEventConnect,
            CCEventDisconnect,
            CCEventFail,
            CCEventRedirect,
            CCEventRing,
            CCEventUpdate,
        )

        if isinstance(event, CCEventRing):
            code, reason, body = event.getData()
            if code > 100 and not self.connected:
                self._post("sip_provisional", code, reason, str(body) if body is not None else None)
        elif isinstance(event, CCEventConnect):
            if self.connected:
                return
            self.connected = True
            _code, _reason, body = event.getData()
            self._post("sip_answered", str(body) if body is not None else None)
            self._arm_timer()
        elif isinstance(event, CCEventFail | CCEventRedirect):
            data = event.getData()
            code, reason = int(data[0]), str(data[1])
            local = self.final[2] if self.final is not None and self.final[0] == code else False
            detail = self.auth_error if code in (401, 407) else ""
            if code in (401, 407) and not self.ep.cfg.username:
                detail = (
                    "the trunk asks for digest authentication; TrunkConfig has no username/password"
                )
            self._post("sip_failed", code, reason, local, detail)
            self.ended = True
        elif isinstance(event, CCEventDisconnect):
            why = str(event.reason_rfc3326) if event.reason_rfc3326 is not None else ""
            self._post("sip_remote_bye", why)
            self.ended = True
            self._cancel_timer()
        elif isinstance(event, CCEventUpdate):
            self._answer_reinvite(event)

    def _answer_reinvite(self, event: Any) -> None:
        from sippy.CCEvents import CCEventConnect, CCEventFail

        body = event.getData()
        text = str(body) if body is not None else ""
        try:
            parse_answer(text, self.request.offer)
        except SdpError as exc:
            log.warning("%s: refusing re-INVITE: %s", self.request.call_id, exc)
            self.ua.recvEvent(CCEventFail((488, "Not Acceptable Here")))
            return
        self.ua.recvEvent(CCEventConnect((200, "OK", self.ua.lSDP.getCopy())))
        self._post("sip_remote_sdp", text)

    def answer_update(self, req: Any) -> Any:
        """A session refresh by UPDATE: 200 OK echoing its Session-Expires, and re-arm the timer.

        The refresher named in the UPDATE is relative to it (``uac``: the far end refreshes);
        one not named is left to the far end, since it is the one refreshing now.
        """
        resp = req.genResponse(200, "OK", server=self.ua.local_ua)
        se = hf(req, "session-expires") or hf(req, "x")
        timer = answer_refresh(se) if self.ep.cfg.session_timers else None
        if timer is not None:
            refresher = "uas" if timer.we_refresh else "uac"
            resp.appendHeader(header("Session-Expires", f"{timer.interval};refresher={refresher}"))
            resp.appendHeader(header("Require", "timer"))
            self.timer = timer
            self._arm_timer()
        body = req.getBody()
        if body is not None:
            resp.setBody(self.ua.lSDP.getCopy())
            self._post("sip_remote_sdp", str(body))
        self.ua.rCSeq = req.getHFBody("cseq").getCSeqNum()
        return (resp, None, None)

    def bye_response(self, resp: Any) -> None:
        code, reason = resp.getSCode()
        if code >= 200:
            self._post("sip_bye_done", int(code), str(reason))

    def _dead(self, _ua: Any) -> None:
        self._cancel_timer()
        self.ep.legs.pop(self.request.call_id, None)
        if self.ua is not None:
            self.ua.leg = None
        self._post("sip_dead")

    def detach(self) -> None:
        """The trunk stopped: forget this leg (sippy keeps no callbacks into us)."""
        self._cancel_timer()
        self.ended = True
        if self.ua is not None:
            self.ua.leg = None
            self.ua.event_cb = None
            self.ua.dead_cbs = ()

    # ----- what we ask of sippy ------------------------------------------------------------

    def hangup(self) -> None:
        """BYE when connected, CANCEL while ringing (sippy picks by its state)."""
        from sippy.CCEvents import CCEventDisconnect

        if self.ua is None or self.ua.isDead():
            return
        if not self.connected:
            self.cancelling = True
        else:
            self.ended = True
        self._cancel_timer()
        self.ua.recvEvent(CCEventDisconnect(origin="caller"))

    # ----- session timers (RFC 4028) -------------------------------------------------------

    def _arm_timer(self) -> None:
        from sippy.Time.Timeout import Timeout

        self._cancel_timer()
        timer = self.timer
        if timer is None:
            return
        if timer.we_refresh:
            self.timer_handle = Timeout(self._refresh, timer.refresh_after)
        else:
            self.timer_handle = Timeout(self._expired, timer.expire_after)

    def _cancel_timer(self) -> None:
        if self.timer_handle is not None:
            self.timer_handle.cancel()
            self.timer_handle = None

    def peer_refreshed(self, req: Any) -> None:
        """The far end sent a re-INVITE or UPDATE: the session is alive."""
        if self.timer is not None and not self.timer.we_refresh:
            self._arm_timer()

    def _expired(self) -> None:
        self.timer_handle = None
        if self.timer is not None:
            self._post(
                "sip_refresh_failed",
                f"no session refresh from the far end within {self.timer.interval} s",
            )

    def _refresh(self, challenge: Any = None) -> None:
        self.timer_handle = None
        ua, timer = self.ua, self.timer
        if ua is None or timer is None or self.ended or not ua.isConnected():
            return
        if ua.state.sname != "Connected":
            from sippy.Time.Timeout import Timeout

            self.timer_handle = Timeout(self._refresh, 1.0)
            return
        headers = (
            header("Supported", "timer"),
            header("Session-Expires", f"{timer.interval};refresher=uac"),
        )
        req = ua.genRequest("INVITE", ua.lSDP, challenge, extra_headers=headers)
        ua.newTransaction(req, resp_cb=self._refresh_response)

    def _refresh_response(self, resp: Any) -> None:
        from sippy.Time.Timeout import Timeout

        code, reason = resp.getSCode()
        if code < 200 or self.ended:
            return
        if 200 <= code < 300:
            self.refresh_auth_tried = False
            se = hf(resp, "session-expires") or hf(resp, "x")
            self.timer = parse_session_expires(se, ours=True) or self.timer
            self._arm_timer()
            return
        if code in (401, 407) and not self.refresh_auth_tried and self.ep.cfg.username:
            name = "www-authenticate" if code == 401 else "proxy-authenticate"
            if resp.countHFs(name) and self.challenge_ok(resp, name):
                challenge = resp.getHFBody(name)
                supported, qop = challenge.supportedAlgorithm()
                if supported:
                    self.refresh_auth_tried = True
                    self._refresh((challenge, qop))
                    return
        if code in (408, 481) or code in (401, 407):
            self._post("sip_refresh_failed", f"session refresh re-INVITE got {code} {reason}")
            return
        log.warning(
            "%s: session refresh got %s %s; retrying in 5 s", self.request.call_id, code, reason
        )
        self.timer_handle = Timeout(self._refresh, 5.0)
