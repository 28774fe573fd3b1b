"""SIP tests: skip the ``sip`` marked ones when SIPp or baresip is missing (fail under
TAILCALL_REQUIRE_ALL=1, as the repository's other markers do)."""

from __future__ import annotations

import os
import shutil

import pytest

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
