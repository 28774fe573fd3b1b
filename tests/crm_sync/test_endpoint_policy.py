"""Where an admin may point a CRM endpoint: allowed webhook hosts, exports in the data dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm_sync.endpoint_policy import EndpointPolicy, host_allowed
from kernel.errors import InvalidInput


@pytest.fixture
def policy(tmp_path: Path) -> EndpointPolicy:
    data = tmp_path / "var"
    data.mkdir()
    return EndpointPolicy(
        ["crm.bank.local", "relay:8443", ".int.bank", "[::1]"], data, data / "exports"
    )


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://crm.bank.local/hook", True),
        ("https://CRM.bank.local:9/hook", True),
        ("http://relay:8443/x", True),
        ("http://relay:8444/x", False),
        ("https://a.int.bank/x", True),
        ("https://int.bank.evil.com/x", False),
        ("http://[::1]:80/x", True),
        ("http://169.254.169.254/latest", False),
        ("http://127.0.0.1:8080/x", False),
        ("http://crm.bank.local:notaport/x", False),
        ("file:///etc/passwd", False),
    ],
)
def test_webhooks_reach_allowed_hosts_only(policy: EndpointPolicy, url: str, ok: bool) -> None:
    if ok:
        assert policy.webhook_url(url) == url
    else:
        with pytest.raises(InvalidInput) as err:
            policy.webhook_url(url)
        assert err.value.where == "url"


def test_no_allow_list_no_webhook(tmp_path: Path) -> None:
    assert not host_allowed("crm.bank.local", None, [])


@pytest.mark.parametrize("directory", ["../x", "/etc", "../../tmp", "a/../../.."])
def test_file_exports_stay_inside_the_export_root(policy: EndpointPolicy, directory: str) -> None:
    with pytest.raises(InvalidInput) as err:
        policy.config("file", {"directory": directory})
    assert err.value.where == "config.directory"


def test_a_symlink_out_of_the_data_dir_is_refused(policy: EndpointPolicy, tmp_path: Path) -> None:
    policy.export_root.mkdir()
    (policy.export_root / "link").symlink_to(tmp_path)
    with pytest.raises(InvalidInput):
        policy.config("file", {"directory": "link/out"})


def test_a_file_config_is_typed(policy: EndpointPolicy) -> None:
    got = policy.config(
        "file", {"directory": "daily", "formats": ["csv"], "timezone": "Asia/Shanghai"}
    )
    assert got == {
        "directory": str((policy.export_root / "daily").resolve()),
        "formats": ["csv"],
        "timezone": "Asia/Shanghai",
        "include_phone": False,
    }
    for bad, where in (
        ({"directory": "d", "formats": "csv"}, "config.formats"),
        ({"directory": "d", "timezone": "Mars/Base"}, "config.timezone"),
        ({"directory": "d", "include_phone": "yes"}, "config.include_phone"),
        ({"directory": "d", "shell": "rm"}, "config.shell"),
    ):
        with pytest.raises(InvalidInput) as err:
            policy.config("file", bad)
        assert err.value.where == where
