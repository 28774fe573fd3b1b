"""The workspace's shell: login lands on the home page, the menu follows the role, the
language switch, the strict CSP, the vendored assets and their licences."""

from __future__ import annotations

from fastapi.testclient import TestClient

from handoff.web import text_common, text_operator
from handoff.web.i18n import PARTS
from handoff.web.nav import menu
from handoff.web.shell import ASSETS
from tests.handoff.conftest import ConsoleApp, add_user, login
from tests.handoff.web.conftest import Operator, metrics_of


def test_both_languages_have_the_same_words() -> None:
    assert text_common in PARTS and text_operator in PARTS
    for part in PARTS:
        assert set(part.ZH) == set(part.EN), part.__name__


def test_the_menu_follows_the_role() -> None:
    keys = {r: {e.item.key for _, es in menu(r, "") for e in es} for r in ("agent", "supervisor")}
    assert keys["agent"] == {"agent"}
    assert {"home", "lists", "suppressions", "campaigns", "board"} <= keys["supervisor"]
    assert "agent" not in keys["supervisor"]


def test_supervisor_lands_on_home_with_menu_and_csp(operator: Operator) -> None:
    r = operator.client.get("/console/home")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe" not in csp
    html = r.text
    assert "<script>" not in html and " style=" not in html  # no inline script or style
    assert 'data-nav="campaigns"' in html and 'data-nav="board"' in html
    assert "外呼任务" in html
    assert metrics_of(html) == {"running": 0, "lists": 0, "customers": 0, "suppressed": 0}
    en = operator.client.get("/console/home?lang=en").text
    assert "Campaigns" in en and 'lang="en"' in en
    assert "Campaigns" in operator.client.get("/console/home").text  # the cookie remembers


def test_pages_send_visitors_without_a_session_to_the_login(console_app: ConsoleApp) -> None:
    r = TestClient(console_app.app).get("/console/home", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/login"
    add_user(console_app.db, "ann")
    agent = TestClient(console_app.app)
    login(agent, "ann")
    r = agent.get("/console/home", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console"


def test_assets_are_vendored_with_their_licences(operator: Operator) -> None:
    for name in ("vendor/htmx.min.js", "vendor/echarts.min.js", "workspace.js", "workspace.css"):
        assert name in ASSETS
        r = operator.client.get(f"/console/assets/{name}")
        assert r.status_code == 200 and len(r.content) > 1000
    assert {"vendor/htmx.LICENSE.txt", "vendor/echarts.LICENSE.txt", "vendor/VENDOR.md"} <= set(
        ASSETS
    )
    assert operator.client.get("/console/assets/../shell.py").status_code == 404
