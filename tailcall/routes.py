"""Who may call what: every router of the app, the roles it is mounted for, and why."""

from __future__ import annotations

from fastapi import APIRouter

from crm_sync.api import admin_router as crm_admin_router
from crm_sync.api import router as crm_inbound_router
from dialer.campaigns.api import carrier_router
from dialer.campaigns.api import router as campaigns_router
from dialer.lists.api import router as lists_router
from handoff.api import router as console_api_router
from handoff.console import router as console_router
from handoff.script_reviews import router as script_reviews_router

OPERATORS = ("supervisor", "admin")
ADMINS = ("admin",)
OWN_CHECK = None
"""The router verifies its callers itself (the reason is in the policy table)."""

Policy = tuple[APIRouter, tuple[str, ...] | None, str]


def route_policy() -> list[Policy]:
    """Who may call what: every router of the app, the roles it is mounted for, and why.

    Roles are checked by ``handoff.auth.require`` (a console session with its CSRF token
    on writes, or ``Authorization: Bearer <API token>``): 401 when not logged in, 403 when
    the role is not allowed. ``OWN_CHECK`` routers are reachable without a role because
    their callers are not users; they verify the caller by their own mechanism. Also
    open: ``/healthz``, the OpenAPI description, and the carrier's ``/media/{call_sid}``
    websocket (its stream token, ``SpeechRuntime.media_token``, when one is set).
    """

    return [
        (lists_router, OPERATORS, "call lists and suppression lists"),
        (campaigns_router, OPERATORS, "campaigns: CRUD, lifecycle, status, attempts"),
        (crm_admin_router, ADMINS, "CRM sync: status, endpoints, dead letters"),
        (carrier_router, OWN_CHECK, "carrier status callback: Twilio signature (prod)"),
        (crm_inbound_router, OWN_CHECK, "CRM inbound webhook: Standard Webhooks signature"),
        (console_api_router, OWN_CHECK, "console API: a role per endpoint (require)"),
        (
            script_reviews_router,
            OWN_CHECK,
            "script versions: authors submit, compliance/admin approve (a role per endpoint)",
        ),
        (
            console_router,
            OWN_CHECK,
            "console: pages and websockets check the session (and Origin); "
            "the login page and static files are open",
        ),
    ]
