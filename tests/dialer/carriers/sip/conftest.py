"""SIP tests: skip the ``sip`` marked ones when SIPp or baresip is missing (fail under
TAILCALL_REQUIRE_ALL=1, as the repository's other markers do)."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.dialer.carriers.sip.harness import Harness

REQUIRE_ALL = os.environ.get("TAILCALL_REQUIRE_ALL") == "1"


def pytest_runtest_setup(item: pytest.Item) -> None:
    if not item.get_closest_marker("sip"):
        return
    for tool, package in (("sipp", "sip-tester"), ("baresip", "baresip")):
        if shutil.which(tool) is None:
            reason = (
                f"{tool} is not installed (Debian package {package}; tools/setup.sh installs it)"
            )
            if REQUIRE_ALL:
                pytest.fail(f"missing dependency (TAILCALL_REQUIRE_ALL=1): {reason}")
            pytest.skip(reason)


@pytest.fixture
async def harness(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    """SIPp peers and trunks for one test; torn down always, SIPp logs shown on failure."""
    h = Harness(tmp_path)
    try:
        yield h
    finally:
        leaks = await h.close()
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            for sipp in h.sipps:
                print(sipp.log())
        assert not leaks, leaks


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
