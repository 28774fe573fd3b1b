"""Console pages: Chinese by default, English on request, no inline script, CSP."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from fastapi.testclient import TestClient

from handoff.i18n import TEXT
from tests.handoff.conftest import ConsoleApp, add_user, login


def test_pages_in_chinese_and_english(console_app: ConsoleApp) -> None:
    add_user(console_app.db, "ann")
    c = TestClient(console_app.app)
    assert "坐席工作台" in c.get("/console/login").text
    assert "Agent console" in c.get("/console/login?lang=en").text
    login(c, "ann")
    page = c.get("/console")  # the language choice sticks (cookie)
    assert "Agent console" in page.text and "Hand back to the bot" in page.text
    zh = c.get("/console?lang=zh")
    assert "交回机器人" in zh.text and 'lang="zh-CN"' in zh.text
    assert "script-src 'self'" in zh.headers["content-security-policy"]
    assert "<script>" not in zh.text  # no inline script: config travels in a data attribute
    assert c.get("/console/static/console.js").status_code == 200
    assert c.get("/console/static/../models.py").status_code == 404


def test_both_languages_have_every_text() -> None:
    assert set(TEXT["zh"]) == set(TEXT["en"])


def _config(page: str) -> dict[str, Any]:
    raw = re.search(r'data-config="([^"]+)"', page)
    assert raw is not None
    return dict(json.loads(html.unescape(raw.group(1))))


def test_the_agent_page_shows_the_stored_presence(console_app: ConsoleApp) -> None:
    ann = add_user(console_app.db, "ann")  # offline in the database
    c = TestClient(console_app.app)
    login(c, "ann")
    assert _config(c.get("/console").text)["presence"]["status"] == "offline"
    console_app.console.desk.set_presence(ann, "away")
    assert _config(c.get("/console").text)["presence"]["status"] == "away"
