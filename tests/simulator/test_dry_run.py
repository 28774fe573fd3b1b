"""A dry run against a real SQLite database: the sample comes from the audience (after
suppressions), the real database gains nothing but the dry run's row, the window holds
the calls back, and the funnel adds up."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

from sqlalchemy import func, select

from crm_sync.models import Lead, OutboxEvent
from dialer.campaigns.config import DialerSettings
from dialer.campaigns.dry_run import DryRunRequest
from dialer.campaigns.models import Attempt, ComplianceEntry
from dialer.campaigns.spec import VariantSpec
from dialer.campaigns.windows import CallingWindow
from dialer.lists.models import Suppression
from dialer.lists.suppression import SuppressionEntry, add_suppressions
from kernel.db import Database, upgrade
from kernel.settings import Settings
from simulator.dry_run import _Run, run_dry_run, sample_audience
from tailcall.outcomes import record_call_result
from tests.dialer.conftest import add_customers, add_list, make_spec

# Tuesday 3 March 2026, 21:30 in Shanghai: the window (09:00-12:00) opens tomorrow
EVENING = datetime(2026, 3, 3, 13, 30, tzinfo=UTC)


def _count(db: Database, model: type) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_a_dry_run_samples_the_audience_and_touches_nothing_real(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    with db.session() as s:
        customers = add_customers(s, 80)
        list_id = add_list(s, customers).id
        add_suppressions(s, "dnc", [SuppressionEntry(customers[0].phone_e164, None)], "test")
    spec = make_spec(
        [list_id],
        script_id="points_reminder",
        variants=[VariantSpec(name="A"), VariantSpec(name="B")],
        window=CallingWindow(weekdays=list(range(7)), hours=[(time(9), time(12))],
                             holiday_calendar=None),
        live_handoff=True,
    )  # fmt: skip
    before = {m: _count(db, m) for m in (Attempt, Lead, OutboxEvent, ComplianceEntry, Suppression)}
    seen: list[tuple[int, int]] = []
    work = tmp_path / "dry"
    r = run_dry_run(
        db, DryRunRequest(spec=spec, sample=40, agents=3), settings=settings,
        dialer_settings=DialerSettings(), record=record_call_result, work_dir=work,
        now=EVENING, progress=lambda d, t: seen.append((d, t)),
    )  # fmt: skip
    assert (r.members, r.audience, r.excluded, r.sample) == (80, 79, {"dnc": 1}, 40)
    assert r.scale == round(79 / 40, 4)
    assert sum(r.grade_mix.values()) == 40
    f = r.funnel
    assert f["dialed"] >= 40  # each sampled customer at least once
    assert f["dialed"] >= f["answered"] >= f["human"] >= f["engaged"] >= f["completed"] > 0
    assert sum(f[f"grade_{g}"] for g in "abcd") <= f["human"]
    assert f["handoffs_offered"] >= f["handoffs_accepted"]
    assert r.expected["dialed"] == round(f["dialed"] * r.scale)
    assert sum(v.sample["dialed"] for v in r.variants) == f["dialed"]
    assert {v.name for v in r.variants} == {"A", "B"}
    # nothing is dialed at night: the first call waits for 09:00 the next morning
    assert r.first_dial_at == datetime(2026, 3, 4, 1, 0, tzinfo=UTC)
    assert r.sample_span_s > 11.5 * 3600
    assert r.estimate.ends_at is not None and r.estimate.calendar_days is not None
    assert seen and seen[-1][1] == 40
    # the real database is as it was; the simulation's own file is gone
    assert {m: _count(db, m) for m in before} == before
    assert not list(work.glob("*.sqlite3*"))


def test_the_same_seed_gives_the_same_result(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    """The virtual clock jumps past passes that cannot dial; the outcome is still a
    function of the request alone (the wall time aside), and another seed differs."""
    with db.session() as s:
        list_id = add_list(s, add_customers(s, 30)).id
    spec = make_spec([list_id], script_id="points_reminder", live_handoff=True)

    def run(seed: int) -> dict[str, object]:
        r = run_dry_run(
            db, DryRunRequest(spec=spec, sample=24, agents=2, seed=seed), settings=settings,
            dialer_settings=DialerSettings(lines=4), record=record_call_result,
            work_dir=tmp_path / f"dry-{seed}", now=EVENING,
        )  # fmt: skip
        return r.model_dump(exclude={"wall_s"})

    first = run(7)
    assert first["funnel"]["dialed"] >= 24  # type: ignore[index]
    assert run(7) == first
    assert run(8) != first


def test_passes_skipped_between_events_do_not_delay_a_dial(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    """With lines and agents to spare, a retry or a call back (queued by a call's end) is
    dialed within a poll of its due time, although the clock jumps from event to event."""
    with db.session() as s:
        list_id = add_list(s, add_customers(s, 30)).id
    request = DryRunRequest(spec=make_spec([list_id], script_id="points_reminder"), sample=30)
    sample = sample_audience(db, request)
    sim_settings = settings.model_copy(
        update={"database_url": f"sqlite:///{tmp_path / 'sim.sqlite3'}"}
    )
    upgrade(sim_settings)
    sim = Database(sim_settings)
    try:
        ds = DialerSettings(lines=100)
        run = _Run(sim, sim_settings, ds, request, record_call_result, EVENING, None)
        run.load(sample)
        run.loop(deadline=float("inf"))
        assert not run.unfinished
        with sim.read() as s:
            rows = s.execute(
                select(Attempt.due_at, Attempt.dialed_at).where(Attempt.dialed_at.is_not(None))
            ).all()
    finally:
        sim.dispose()
    later = [(due, at) for due, at in rows if due > EVENING]  # the first calls wait for
    assert len(later) > 5  # the pacing's tokens; retries and call backs come one by one
    late = [(due, at) for due, at in later if (at - due).total_seconds() > ds.poll_s + 0.1]
    assert late == [], [(str(d), (a - d).total_seconds()) for d, a in late]
