"""Campaign launch checks as the product wires them (API and CLI): the speech model of the
campaign's language comes from the speech stack's registry; refusals name the field."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from kernel.db import Database
from tailcall.app import create_app
from tailcall.cli import app as cli
from tests.dialer.conftest import ALWAYS, add_customers, add_list


def _body(list_id: int, **kw: Any) -> dict[str, Any]:
    return {
        "name": "launch",
        "script_id": "points_reminder",
        "caller_id": "+861095555",
        "audience": {"list_ids": [list_id]},
        "window": ALWAYS.model_dump(mode="json"),
        **kw,
    }


def test_the_api_checks_create_update_and_start(
    db: Database, operator_headers: dict[str, str], models: Path
) -> None:
    with db.session() as s:
        list_id = add_list(s, add_customers(s, 1)).id
    client = TestClient(create_app(db.settings, db), headers=operator_headers)
    r = client.post("/api/campaigns", json=_body(list_id, language="zh-CN"))
    assert r.status_code == 422 and r.json()["where"] == "language", r.text
    assert "tailcall models install" in r.json()["message"]
    r = client.post("/api/campaigns", json=_body(list_id, script_id="nope", language="ko-KR"))
    assert r.status_code == 422 and r.json()["where"] == "script_id"
    r = client.post("/api/campaigns", json=_body(list_id, language="zh-CN", text_only=True))
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    r = client.put(f"/api/campaigns/{cid}", json=_body(list_id, language="zh-CN"))
    assert r.status_code == 422 and r.json()["where"] == "language"
    r = client.put(f"/api/campaigns/{cid}", json=_body(list_id, language="ko-KR"))
    assert r.status_code == 200, r.text
    shutil.rmtree(models)  # the model went away before the start
    r = client.post(f"/api/campaigns/{cid}/start")
    assert r.status_code == 422 and r.json()["where"] == "language"


def test_the_cli_checks_create(
    db: Database, models: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TAILCALL_DATA_DIR", str(db.settings.data_dir))
    monkeypatch.setenv("TAILCALL_ENV", "test")
    with db.session() as s:
        list_id = add_list(s, add_customers(s, 1)).id
    spec = tmp_path / "camp.yaml"
    spec.write_text(yaml.safe_dump(_body(list_id, language="zh-CN")), encoding="utf-8")
    r = CliRunner().invoke(cli, ["campaigns", "create", str(spec)])
    assert r.exit_code == 1 and "language" in r.output and "models install" in r.output
    spec.write_text(yaml.safe_dump(_body(list_id, language="ko-KR")), encoding="utf-8")
    r = CliRunner().invoke(cli, ["campaigns", "create", str(spec)])
    assert r.exit_code == 0, r.output
