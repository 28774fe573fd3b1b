"""Schemathesis over the app's OpenAPI description, as every role: no answer is a 5xx.

Bounded and seeded: ``derandomize`` makes every run the same cases, ``EXAMPLES`` per
operation (``TAILCALL_FUZZ_EXAMPLES`` to run more by hand). Each case goes out as the next
of anonymous and every role (``handoff.models.ROLES``: an agent, a supervisor, an admin,
compliance; API tokens), so both the role checks
and the handlers behind them see generated input. A 5xx, or an exception the app raised,
is a failure naming the operation.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings

from crm_sync.settings import CrmSettings
from crm_sync.signing import new_secret
from handoff.models import ROLES
from kernel.db import Database
from kernel.settings import Settings
from tailcall.app import create_app
from tailcall.schema import metadata
from tests.conftest import api_user

EXAMPLES = int(os.environ.get("TAILCALL_FUZZ_EXAMPLES", "25"))

Fuzzed = tuple[FastAPI, list[dict[str, str]]]


@pytest.fixture
def fuzz_app(tmp_path: Path) -> Iterator[Fuzzed]:
    cfg = Settings(env="test", data_dir=tmp_path / "var", database_url="")
    cfg.ensure_dirs()
    db = Database(cfg)
    metadata.create_all(db.engine)
    app = create_app(cfg, db)
    app.state.crm_settings = CrmSettings(
        _env_file=None, inbound_secret=new_secret(), allowed_hosts="127.0.0.1"
    )
    roles = [{}, *(api_user(db, r) for r in ROLES)]
    yield app, roles
    db.dispose()


def test_no_server_errors_for_any_role(fuzz_app: Fuzzed) -> None:
    app, roles = fuzz_app
    api = schemathesis.openapi.from_asgi("/openapi.json", app)
    turn = itertools.count()
    failures: set[str] = set()
    cases = operations = 0

    for result in api.get_all_operations():
        op = result.ok()
        operations += 1

        @given(case=op.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
        )
        def run(case: schemathesis.Case) -> None:
            nonlocal cases
            cases += 1
            where = f"{case.method} {case.path}"
            try:
                response = case.call(headers=dict(roles[next(turn) % len(roles)]))
            except Exception as exc:  # the app raised: a 500 in production
                failures.add(f"{where}: {type(exc).__name__}: {str(exc)[:200]}")
                return
            if response.status_code >= 500:
                failures.add(f"{where}: {response.status_code} {response.text[:200]}")

        run()
    print(f"schemathesis: {operations} operations, {cases} cases, {len(failures)} server errors")
    assert cases > 20 * EXAMPLES
    assert sorted(failures) == []
