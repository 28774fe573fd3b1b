"""Rendering: the Jinja2 environment, the page and partial responses, the page headers.

Pages keep the console's strict CSP: scripts only from the package's static files (no
inline script; chart options ride as JSON in a ``data-chart`` attribute, which is data,
not script), styles only from static files, no frames.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from handoff.auth import CSRF_HEADER, Principal
from handoff.console import PAGE_HEADERS
from handoff.web.i18n import texts
from handoff.web.nav import menu
from kernel.actors import Actor

TEMPLATES = Path(__file__).with_name("templates")


def _num(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def _pct(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value * 100:.{digits}f}%"


def _when(value: datetime | None) -> str:
    return "–" if value is None else value.strftime("%Y-%m-%d %H:%M:%S")


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(num=_num, pct=_pct, when=_when)
    return env


ENV = _environment()


class Ui:
    """What every template gets: the user, the language and its text, the menu, the CSRF
    token for htmx (``hx-headers`` on ``<body>``) and forms."""

    def __init__(self, request: Request, who: Principal, lang: str, active: str) -> None:
        self.who = who
        self.lang = lang
        self.html_lang = "zh-CN" if lang == "zh" else "en"
        self.t = texts(lang)
        self.menu = menu(who.role, active)
        self.path = request.url.path
        self.csrf = who.csrf_token
        self.error = request.query_params.get("error", "")[:300]  # a refused action's message
        self.csrf_header = json.dumps({CSRF_HEADER: who.csrf_token})

    @property
    def actor(self) -> Actor:
        """The user acting from the web pages (what the audit log records)."""
        return Actor.web(self.who.username)

    def other_lang(self) -> tuple[str, str]:
        return ("en", "English") if self.lang == "zh" else ("zh", "中文")


def render(name: str, ui: Ui, context: Mapping[str, Any], status_code: int = 200) -> HTMLResponse:
    """A whole page or a partial (templates whose name starts with ``_``)."""
    body = ENV.get_template(name).render(ui=ui, t=ui.t, **context)
    resp = HTMLResponse(body, status_code=status_code, headers=PAGE_HEADERS)
    if not Path(name).name.startswith("_"):
        resp.set_cookie("tc_lang", ui.lang, samesite="strict")
    return resp
