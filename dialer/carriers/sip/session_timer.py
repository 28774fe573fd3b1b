"""RFC 4028 session timers: who refreshes, and when (pure).

We offer ``Supported: timer`` with ``Session-Expires: N;refresher=uac``. The 2xx decides:
no Session-Expires means no timer; ``refresher=uac`` (or none named) means we send a
re-INVITE every N/2 s; ``refresher=uas`` means the far end refreshes, and we hang up if no
refresh arrives within N - min(32, N/3) s (RFC 4028 section 10).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SessionTimer:
    interval: int
    we_refresh: bool

    @property
    def refresh_after(self) -> float:
        return self.interval / 2

    @property
    def expire_after(self) -> float:
        return self.interval - min(32.0, self.interval / 3)


def parse_session_expires(value: str | None, *, ours: bool = True) -> SessionTimer | None:
    """The timer a 2xx's Session-Expires header sets up (None: no timer, or a bad header)."""
    if value is None or not ours:
        return None
    parts = [p.strip() for p in value.split(";")]
    if not parts[0].isdigit() or int(parts[0]) < 1:
        return None
    refresher = "uac"
    for param in parts[1:]:
        name, _, arg = param.partition("=")
        if name.strip().lower() == "refresher":
            refresher = arg.strip().lower()
    return SessionTimer(interval=int(parts[0]), we_refresh=refresher != "uas")


def answer_refresh(value: str | None) -> SessionTimer | None:
    """Our timer after the far end refreshed with a request carrying Session-Expires.

    The refresher there is relative to that request: ``uac`` (or none named) means the far
    end goes on refreshing; ``uas`` means it hands the refreshing to us.
    """
    timer = parse_session_expires(value)
    if timer is None or value is None:
        return None
    handed_to_us = any(
        p.strip().lower().replace(" ", "") == "refresher=uas" for p in value.split(";")[1:]
    )
    return SessionTimer(interval=timer.interval, we_refresh=handed_to_us)
