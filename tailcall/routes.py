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
from handoff.script_reviews_api import router as script_reviews_router
from handoff.web.admin import router as workspace_admin_router
from handoff.web.campaign_new import api_router as workspace_new_api
from handoff.web.campaign_new import router as workspace_new_router
from handoff.web.campaigns import api_router as workspace_campaigns_api
from handoff.web.campaigns import router as workspace_campaigns_router
from handoff.web.dry_runs import api_router as workspace_dry_runs_api
from handoff.web.dry_runs import router as workspace_dry_runs_router
from handoff.web.lists import router as workspace_lists_router
from handoff.web.shell import router as workspace_shell_router
from handoff.web.suppressions import router as workspace_suppressions_router
from supervision.api import router as supervision_router
from supervision.compliance_api import router as compliance_router
from supervision.web.pages import router as supervision_pages_router

OPERATORS = ("supervisor", "admin")
COMPLIANCE = ("compliance", "supervisor", "admin")
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
        (workspace_campaigns_api, OPERATORS, "workspace API: a campaign's live numbers and race"),
        (workspace_new_api, OPERATORS, "workspace API: an audience's count before a campaign"),
        (
            workspace_dry_runs_api,
            OPERATORS,
            "workspace API: dry runs of a campaign spec against the simulator (start, read)",
        ),
        (crm_admin_router, ADMINS, "CRM sync: status, endpoints, dead letters"),
        (
            supervision_router,
            OPERATORS,
            "supervisor's workspace: calls, recordings, reviews, reports (reveal and audit "
            "log: admin, checked per endpoint)",
        ),
        (
            compliance_router,
            COMPLIANCE,
            "the per-call compliance record's export and verification (each export audited)",
        ),
        (carrier_router, OWN_CHECK, "carrier status callback: Twilio signature (prod)"),
        (crm_inbound_router, OWN_CHECK, "CRM inbound webhook: Standard Webhooks signature"),
        (console_api_router, OWN_CHECK, "console API: a role per endpoint (require)"),
        (
            script_reviews_router,
            OWN_CHECK,
            "script versions: authors submit, compliance/admin approve (a role per endpoint)",
        ),
        (
            supervision_pages_router,
            OWN_CHECK,
            "supervisor's pages: the browser session and its role per page (page_user); "
            "their script and style are open",
        ),
        (
            console_router,
            OWN_CHECK,
            "console: pages and websockets check the session (and Origin); "
            "the login page and static files are open",
        ),
        (
            workspace_shell_router,
            OWN_CHECK,
            "workspace pages: the browser session (else 303 to the login), a role per page, "
            "CSRF on writes; its static files are open",
        ),
        # /console/campaigns/new before /console/campaigns/{campaign_id}
        (workspace_new_router, OWN_CHECK, "workspace: the campaign form (as above)"),
        # /console/campaigns/{id}/dry-run before /console/campaigns/{id}/{action}
        (workspace_dry_runs_router, OWN_CHECK, "workspace: dry runs from the form (as above)"),
        (workspace_campaigns_router, OWN_CHECK, "workspace: campaign pages (as above)"),
        (workspace_lists_router, OWN_CHECK, "workspace: call-list pages (as above)"),
        (workspace_suppressions_router, OWN_CHECK, "workspace: suppression pages (as above)"),
        (workspace_admin_router, OWN_CHECK, "workspace: admin pages (as above; admins only)"),
    ]
