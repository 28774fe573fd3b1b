"""After a simulated day, no stored artifact holds a customer's full number outside the
customer and attempt tables, and every file tailcall created is its owner's only.

The day: a campaign over synthetic customers through the real import, dialer, simulated
carrier, script engine, scorer and outcome record (``tailcall simulate``), then the CRM
relay exporting the outbox to a file endpoint. Every table of the database and every
file under the data directory is scanned for each customer's number in E.164 and
national form.
"""

from __future__ import annotations

import asyncio
import re
import stat
from pathlib import Path

from sqlalchemy import inspect, select, text

from crm_sync.models import Endpoint
from crm_sync.relay import Relay
from dialer.lists.models import Customer
from kernel.clock import SystemClock
from kernel.db import Database
from kernel.settings import Settings
from simulator.simulate import SimulationConfig, run_simulation
from tailcall.simulation import ProductHost
from tests.crm_sync.conftest import fast_settings

# Where full numbers belong: the customer and the attempt (the dialer dials them), the
# suppression list (a do-not-call list is numbers) and the CRM's leads, whose number the
# bank's CRM needs to call back (sent only to endpoints allowed to see it).
NUMBERS_BELONG = {"customers", "attempts", "suppressions", "crm_leads"}
DB_FILES = re.compile(r"\.db(-wal|-shm|-journal)?$")


def _forms(phone: str) -> set[str]:
    national = phone[3:] if phone.startswith("+86") else phone.lstrip("+")
    return {phone, national}


def test_a_simulated_day_leaves_no_number_outside_its_tables(tmp_path: Path) -> None:
    data = tmp_path / "var"
    Settings(env="test", data_dir=data).ensure_dirs()
    url = f"sqlite:///{data / 'tailcall.db'}"
    cfg = SimulationConfig(
        customers=20, seed=3, database_url=url, data_dir=data, time_factor=40.0,
        retry_delay_s=1.5, timeout_s=120.0,
    )  # fmt: skip
    result = asyncio.run(run_simulation(cfg, ProductHost()))
    assert not result.errors
    db = Database(Settings(env="test", data_dir=data, database_url=url))
    with db.session() as s:
        s.add(Endpoint(name="files", kind="file", config={"directory": str(data / "exports")}))
    relay = Relay(db, fast_settings(), SystemClock())
    asyncio.run(relay.run(exit_when_done=True))

    with db.read() as s:
        phones = set(s.scalars(select(Customer.phone_e164)))
    needles = sorted({f for p in phones for f in _forms(p)}, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(n) for n in needles))
    found: list[str] = []
    tables = 0
    with db.read() as s:
        for table in inspect(db.engine).get_table_names():
            if table in NUMBERS_BELONG:
                continue
            tables += 1
            for row in s.execute(text(f'SELECT * FROM "{table}"')):
                if pattern.search(" ".join(str(v) for v in row)):
                    found.append(f"table {table}: {row}")
                    break
    files = 0
    loose: list[str] = []
    for path in sorted(data.rglob("*")):
        mode = stat.S_IMODE(path.stat().st_mode)
        if path.is_dir():
            if mode != 0o700:
                loose.append(f"{path.relative_to(data)}/ {mode:o}")
            continue
        if mode != 0o600:
            loose.append(f"{path.relative_to(data)} {mode:o}")
        if DB_FILES.search(path.name):
            continue  # scanned table by table above
        files += 1
        if pattern.search(path.read_bytes().decode("utf-8", "replace")):
            found.append(f"file {path.relative_to(data)}")
    print(f"artifact scan: {tables} tables and {files} files scanned, {len(phones)} customers")
    assert files >= 3 and tables >= 20
    assert found == []
    assert loose == []
    db.dispose()
