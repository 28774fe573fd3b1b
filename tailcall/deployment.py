"""What a process refuses to start with: dev or simulator secrets in prod, and a dev process
exposed beyond this machine or dialing a real carrier without being told to.

``TAILCALL_ENV=prod`` needs every secret set and none of the public dev values: the secret
key (at least 32 characters; ``kernel.settings`` checks it and the media token), the
carrier's auth token (at least 32 characters) and account. ``dev`` (the default, for ``make
demo``) listens on loopback only and dials the simulator on loopback only; anything else
needs ``TAILCALL_ALLOW_EXPOSED_DEV=1``, and then each exposure is logged as a warning.
``test`` is the test suite's and is not checked.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from loguru import logger

from dialer.campaigns.config import DEV_CARRIER_ACCOUNT, DEV_CARRIER_TOKEN, DialerSettings
from dialer.carriers.sip.settings import SipSettings
from kernel.errors import TailcallError
from kernel.settings import MIN_SECRET_LEN, Settings


class UnsafeDeployment(TailcallError):
    code = "unsafe_deployment"


def problems(settings: Settings, dialer: DialerSettings) -> list[str]:
    """What is unsafe about this configuration for its ``TAILCALL_ENV`` (empty: nothing)."""
    if settings.env == "prod" and settings.carrier == "sip":
        return []  # the trunk's own credentials, if it has any, are TAILCALL_SIP_*
    if settings.env == "prod":
        token = dialer.carrier_auth_token.get_secret_value()
        out = []
        if token == DEV_CARRIER_TOKEN or len(token) < MIN_SECRET_LEN:
            out.append(
                "TAILCALL_DIALER_CARRIER_AUTH_TOKEN must be the carrier's token "
                f"(at least {MIN_SECRET_LEN} characters), not the simulator's"
            )
        if dialer.carrier_account_sid == DEV_CARRIER_ACCOUNT:
            out.append("TAILCALL_DIALER_CARRIER_ACCOUNT_SID must be the carrier's account")
        return out
    if settings.env == "dev":
        return exposures(settings, dialer)
    return []


def exposures(settings: Settings, dialer: DialerSettings) -> list[str]:
    """How a dev process reaches beyond this machine."""
    out = []
    if not is_loopback(settings.host):
        out.append(f"TAILCALL_HOST={settings.host} is not a loopback address")
    if settings.carrier == "sip":
        sip_host = SipSettings().host
        if sip_host and not is_loopback(sip_host):
            out.append(f"TAILCALL_SIP_HOST={sip_host} is a real SIP trunk, not one on loopback")
        return out
    carrier_host = urlsplit(dialer.carrier_base_url).hostname or ""
    if not is_loopback(carrier_host):
        out.append(
            f"TAILCALL_DIALER_CARRIER_BASE_URL points at {carrier_host!r}, not the simulator "
            "on loopback"
        )
    return out


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check(settings: Settings, dialer: DialerSettings) -> None:
    """Refuse an unsafe configuration (``UnsafeDeployment``); in dev with
    ``TAILCALL_ALLOW_EXPOSED_DEV`` each exposure is logged as a warning instead."""
    found = problems(settings, dialer)
    if not found:
        return
    if settings.env == "dev" and settings.allow_exposed_dev:
        for p in found:
            logger.warning("dev mode exposed (TAILCALL_ALLOW_EXPOSED_DEV): {}", p)
        return
    hint = (
        "; set TAILCALL_ENV=prod with real secrets, or TAILCALL_ALLOW_EXPOSED_DEV=1 to "
        "allow it in dev"
        if settings.env == "dev"
        else ""
    )
    raise UnsafeDeployment("; ".join(found) + hint, where="settings")
