"""The API docs load nothing from another origin, and are off in prod."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from pydantic import SecretStr

from dialer.campaigns.config import DialerSettings
from kernel.db import Database
from tailcall.app import create_app


def test_docs_pages_use_shipped_assets_only(db: Database) -> None:
    client = TestClient(create_app(db.settings, db))
    for page in ("/docs", "/redoc"):
        r = client.get(page)
        assert r.status_code == 200
        sources = re.findall(r'(?:src|href)="([^"]+)"', r.text)
        assert sources and all(s.startswith("/docs/assets/") for s in sources), sources
        assert "cdn" not in r.text.lower() and "fonts.googleapis" not in r.text
        assert "script-src 'self'" in r.headers["content-security-policy"]
        for s in sources:
            assert client.get(s).status_code == 200
    assert client.get("/docs/assets/../../etc/passwd").status_code == 404
    assert client.get("/docs/assets/core.py").status_code == 404


def test_docs_are_off_in_prod(db: Database) -> None:
    prod = db.settings.model_copy(update={"env": "prod", "secret_key": SecretStr("s" * 32)})
    ds = DialerSettings(carrier_auth_token=SecretStr("t" * 32), carrier_account_sid="AC" + "5" * 32)
    client = TestClient(create_app(prod, db, dialer_settings=ds))
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404
    assert client.get("/openapi.json").status_code == 200
