"""REGISTER to the trunk with digest, refreshed at half the granted expiry (sippy thread).

sippy's own registration agent refreshes only when the registration expires, answers a
407 with the wrong header and drops the Contact ``expires`` parameter, so this one is ours.
sippy is imported inside the functions, in the sippy thread (see ``sippy_thread``: its
dispatcher binds to the thread that imports it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from dialer.carriers.sip.config import TrunkConfig
from dialer.carriers.sip.headers import header, hf

log = logging.getLogger("dialer.carriers.sip")


class SippyEndpoint(Protocol):
    """What the registrar needs of the endpoint that owns it (sippy_side.SippyEndpoint)."""

    cfg: TrunkConfig
    tm: Any
    stopped: bool
    on_registration: Callable[[bool, str], None]
    post: Callable[..., None]


class Registrar:
    """REGISTER with digest, refreshed at half the granted expiry (sippy thread)."""

    def __init__(self, ep: SippyEndpoint) -> None:
        from sippy.SipAddress import SipAddress
        from sippy.SipFrom import SipFrom
        from sippy.SipTo import SipTo
        from sippy.SipURL import SipURL

        self.ep = ep
        cfg = ep.cfg
        self.aor = SipURL(
            username=cfg.username, host=cfg.host, port=cfg.port if cfg.port != 5060 else None
        )
        self.ruri = SipURL(host=cfg.host, port=cfg.port if cfg.port != 5060 else None)
        self.fr0m = SipFrom(address=SipAddress(url=self.aor.getCopy()))
        self.fr0m.genTag()
        self.to = SipTo(address=SipAddress(url=self.aor.getCopy()))
        from sippy.SipCallId import SipCallId

        self.call_id = SipCallId()
        self.cseq = 1
        self.timer: Any = None
        self.auth_tries = 0
        self.stopped = False
        self.expires = cfg.register_expires

    def send(self, expires: int, challenge: Any = None) -> None:
        from sippy.SipAddress import SipAddress
        from sippy.SipCallId import SipCallId
        from sippy.SipContact import SipContact
        from sippy.SipHeader import SipHeader
        from sippy.SipRequest import SipRequest
        from sippy.SipURL import SipURL

        if self.ep.tm is None:
            return
        self.expires = expires
        cfg = self.ep.cfg
        contact = SipContact(
            address=SipAddress(
                url=SipURL(username=cfg.username),
                params={"expires": str(expires)},
                params_order=["expires"],
            )
        )
        req = SipRequest(
            method="REGISTER",
            ruri=self.ruri.getCopy(),
            fr0m=self.fr0m.getCopy(),
            to=self.to.getCopy(),
            contact=contact,
            callid=SipCallId(str(self.call_id)),
            cseq=self.cseq,
            target=(cfg.next_hop, "udp"),
        )
        req.appendHeader(header("Expires", str(expires)))
        if challenge is not None:
            ch, qop, hf_name = challenge
            auth = ch.genAuthHF(cfg.username, cfg.password, "REGISTER", str(self.ruri), qop=qop)
            req.appendHeader(SipHeader(name=hf_name, body=auth))
        self.cseq += 1
        self.ep.tm.newTransaction(req, self._response)

    def _response(self, resp: Any) -> None:
        code, reason = resp.getSCode()
        if code < 200 or self.stopped or self.ep.stopped:
            return
        if 200 <= code < 300:
            self.auth_tries = 0
            if self.expires == 0:
                self.ep.post(self.ep.on_registration, False, "unregistered")
                return
            granted = self._granted(resp)
            self._schedule(max(10.0, granted / 2))
            self.ep.post(self.ep.on_registration, True, f"{code} {reason} (expires {granted} s)")
            return
        if code in (401, 407) and self.auth_tries < 2:
            name = "www-authenticate" if code == 401 else "proxy-authenticate"
            auth_name = "authorization" if code == 401 else "proxy-authorization"
            if resp.countHFs(name):
                ch = resp.getHFBody(name)
                supported, qop = ch.supportedAlgorithm()
                want = self.ep.cfg.realm
                if supported and (want is None or str(ch.getRealm()) == want):
                    self.auth_tries += 1
                    self.send(self.expires, (ch, qop, auth_name))
                    return
        self.auth_tries = 0
        local = resp.source is None
        text = (
            "no response from the registrar (408)"
            if local
            else f"REGISTER refused: {code} {reason}"
        )
        self.ep.post(self.ep.on_registration, False, text)
        if self.expires != 0:
            self._schedule(30.0)

    def _granted(self, resp: Any) -> int:
        for contact in resp.getHFBodys("contact") if resp.countHFs("contact") else []:
            value = contact.address.params.get("expires") if not contact.asterisk else None
            if value is not None and str(value).isdigit():
                return int(value)
        expires = hf(resp, "expires")
        if expires is not None and expires.strip().isdigit():
            return int(expires)
        return self.expires

    def _schedule(self, after: float) -> None:
        from sippy.Time.Timeout import Timeout

        if self.timer is not None:
            self.timer.cancel()
        self.timer = Timeout(lambda: self.send(self.ep.cfg.register_expires), after)

    def stop(self) -> None:
        self.stopped = True
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
