"""Workspace fixtures: the app, a logged-in supervisor's browser session, and the
``metrics_of`` reader that turns a page's ``data-metric`` numbers into a dict."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from kernel.db import Database
from tests.handoff.conftest import ConsoleApp, add_user, login


@dataclass
class Operator:
    client: TestClient
    csrf: str
    app: ConsoleApp

    @property
    def db(self) -> Database:
        return self.app.db

    def post(self, path: str, **kw: object) -> object:
        return self.client.post(path, headers={"X-CSRF-Token": self.csrf}, **kw)  # type: ignore[arg-type]


@pytest.fixture
def operator(console_app: ConsoleApp) -> Operator:
    add_user(console_app.db, "sue", role="supervisor")
    client = TestClient(console_app.app)
    return Operator(client, login(client, "sue"), console_app)


_METRIC = re.compile(r'data-metric="([^"]+)"[^>]*?data-value="([^"]*)"')


def metrics_of(html: str) -> dict[str, float | None]:
    """Every ``data-metric`` number of a page or partial (``data-value``, raw)."""
    return {k: (float(v) if v else None) for k, v in _METRIC.findall(html)}
