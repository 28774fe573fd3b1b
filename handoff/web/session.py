"""Who is looking at a page: the browser session (cookie) only, never an API token.

``page_user(request, roles, active)`` gives the page's ``Ui``; a visitor without a session is
sent to the login page (303), one whose role may not open the page gets 403. Writes
from a page (forms, htmx) carry the session's CSRF token, in the ``X-CSRF-Token``
header (htmx: ``hx-headers`` on ``<body>``) or as the ``csrf_token`` form field.
"""

from __future__ import annotations

from fastapi import HTTPException, Request

from handoff.auth import CSRF_HEADER, SAFE_METHODS, principal_of, same_secret
from handoff.web.i18n import page_lang
from handoff.web.render import Ui

LOGIN = "/console/login"


class PageRefused(HTTPException):
    """A page the visitor may not see: 303 to the login page, or 403 with the reason."""

    def __init__(self, status_code: int, detail: str, location: str | None = None) -> None:
        headers = {"Location": location} if location else None
        super().__init__(status_code=status_code, detail=detail, headers=headers)


def page_user(request: Request, roles: tuple[str, ...], active: str, form_token: str = "") -> Ui:
    """The page's user and language, or ``PageRefused`` (login redirect, 403). An unsafe
    request must carry the session's CSRF token: the ``X-CSRF-Token`` header (htmx) or
    the ``csrf_token`` form field (``form_token``, a plain form post)."""
    who = principal_of(request)
    if who is None:
        raise PageRefused(303, "not logged in", LOGIN)
    if who.role not in roles:
        raise PageRefused(403, f"role {who.role!r} not allowed")
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "") or form_token
        if not same_secret(sent, who.csrf_token):
            raise PageRefused(403, "missing or bad CSRF token")
    return Ui(request, who, page_lang(request), active)
