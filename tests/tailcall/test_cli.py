from __future__ import annotations

import getpass
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from dialer.lists.cli import SAMPLE_LIST
from handoff.models import User
from kernel.audit import about
from kernel.db import Database
from kernel.settings import load_settings
from tailcall.cli import app
from tests.dialer.conftest import ALWAYS

runner = CliRunner()


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TAILCALL_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("COLUMNS", "200")


def test_help_lists_the_commands() -> None:
    out = runner.invoke(app, ["--help"]).output
    for cmd in ("db", "serve", "lists", "suppress"):
        assert cmd in out


def test_the_cli_root_loads_no_speech_stack_and_no_simulation() -> None:
    """Every command pays the CLI root's imports: the speech stack (pipecat, its banner, Vosk's
    recognizers), the app factory and a campaign simulation load in the commands that use them."""
    heavy = ("pipecat", "onnxruntime", "sklearn", "tailcall.app", "simulator.simulate")
    probe = f"import sys, tailcall.cli; print([m for m in {heavy!r} if m in sys.modules])"
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]", out.stdout
    assert "Pipecat" not in out.stderr


def test_db_upgrade_and_sample_import_twice() -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    first = runner.invoke(app, ["lists", "import", str(SAMPLE_LIST)])
    assert first.exit_code == 0, first.output
    assert "200" in first.output and "report.csv" in first.output
    second = runner.invoke(app, ["lists", "import", str(SAMPLE_LIST)])
    assert "already imported" in second.output
    shown = runner.invoke(app, ["lists", "show", "1"])
    assert shown.exit_code == 0 and "sample_customers" in shown.output


def test_errors_exit_non_zero_with_the_reason(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("name\nx\n")
    r = runner.invoke(app, ["lists", "import", str(bad)])
    assert r.exit_code == 2 and "no phone column" in r.output
    r = runner.invoke(app, ["suppress", "add", "dnc", "--phone", "12"])
    assert r.exit_code == 2 and "phone" in r.output


def test_bad_setting_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAILCALL_PORT", "x")
    r = runner.invoke(app, ["db", "upgrade"])
    assert r.exit_code == 2 and "TAILCALL_PORT" in r.output


def test_serve_answers_health_then_stops(tmp_path: Path) -> None:
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "TAILCALL_DATA_DIR": str(tmp_path / "srv"), "TAILCALL_PORT": str(port)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tailcall", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
                assert time.monotonic() < deadline, "serve did not come up in 60 s"
                time.sleep(0.2)
        assert r.json()["status"] == "ok"
        assert (tmp_path / "srv" / "tailcall.db").exists()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)


def test_campaign_actions_from_the_cli_are_recorded_as_by_or_the_os_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI door: ``--by`` names a console user (checked against the users table:
    enabled, supervisor or admin); without it the OS user acts."""
    monkeypatch.setenv("TAILCALL_DIALER_REQUIRE_SCRIPT_APPROVAL", "false")
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["lists", "import", str(SAMPLE_LIST)]).exit_code == 0
    db = Database(load_settings())
    with db.session() as s:
        s.add_all([User(username="sue", role="supervisor", password_hash="x"),
                   User(username="al", role="agent", password_hash="x")])  # fmt: skip
    spec = tmp_path / "c.yaml"
    spec.write_text(yaml.safe_dump({
        "name": "by-cli", "script_id": "points_reminder", "text_only": True,
        "caller_id": "+861095555", "audience": {"list_ids": [1]},
        "window": ALWAYS.model_dump(mode="json"),
    }))  # fmt: skip
    r = runner.invoke(app, ["campaigns", "create", str(spec), "--by", "sue"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["campaigns", "start", "by-cli", "--by", "nobody"])
    assert r.exit_code == 1 and "no enabled console user 'nobody'" in r.output
    r = runner.invoke(app, ["campaigns", "start", "by-cli", "--by", "al"])
    assert r.exit_code == 1 and "al is agent" in r.output
    assert runner.invoke(app, ["campaigns", "start", "by-cli", "--by", "sue"]).exit_code == 0
    assert runner.invoke(app, ["campaigns", "pause", "by-cli"]).exit_code == 0
    me = getpass.getuser()
    with db.read() as s:
        log = [(e.event, e.username, e.address) for e in reversed(about(s, "campaign:1"))]
    db.dispose()
    assert log == [
        ("campaign_created", "sue", f"cli os:{me}"),
        ("campaign_start", "sue", f"cli os:{me}"),
        ("campaign_pause", f"cli:{me}", "cli"),
    ]


@pytest.mark.parametrize(
    "args",
    [["worker", "--role", "dialer"], ["serve", "--no-dialer"], ["serve", "--no-media"]],
)
def test_a_sip_trunk_outside_one_serve_is_refused_naming_the_deployment(
    monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.setenv("TAILCALL_CARRIER", "sip")
    r = runner.invoke(app, args)
    assert r.exit_code == 2
    assert "run one `tailcall serve` with its dial loop and media" in r.output
