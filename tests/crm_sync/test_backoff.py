from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from crm_sync.backoff import Result, RetryPolicy, classify, decide, parse_retry_after

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
POLICY = RetryPolicy(base_s=10, cap_s=6 * 3600, give_up_s=3 * 86400, permanent_max_tries=3)


def test_classification() -> None:
    assert classify(Result(200)) == "ok"
    assert classify(Result(204)) == "ok"
    assert classify(Result(410)) == "gone"
    for code in (500, 502, 503, 408, 425, 429):
        assert classify(Result(code)) == "transient"
    for code in (301, 400, 401, 403, 404, 409, 422):
        assert classify(Result(code)) == "permanent"
    assert classify(Result(None, "timeout")) == "transient"


def test_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after("120", NOW) == 120.0
    date = "Mon, 05 Jan 2026 09:05:00 GMT"
    assert parse_retry_after(date, NOW) == 300.0
    assert parse_retry_after("Mon, 05 Jan 2026 08:00:00 GMT", NOW) == 0.0
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after(None, NOW) is None


def test_full_jitter_stays_under_an_exponential_ceiling() -> None:
    rng = random.Random(1)
    ceilings = [POLICY.ceiling(n) for n in range(1, 14)]
    assert ceilings[:5] == [10, 20, 40, 80, 160]
    assert ceilings[-1] == 6 * 3600
    for n in range(1, 40):
        d = POLICY.delay(n, rng)
        assert 0 <= d <= POLICY.ceiling(n)


def test_retry_after_is_honoured_and_capped() -> None:
    d = decide(
        Result(429, retry_after="90"),
        attempt_no=1,
        first_attempt_at=NOW,
        now=NOW,
        policy=POLICY,
        rng=random.Random(0),
    )
    assert d.action == "retry" and d.next_attempt_at == NOW + timedelta(seconds=90)
    d = decide(
        Result(503, retry_after="999999"),
        attempt_no=1,
        first_attempt_at=NOW,
        now=NOW,
        policy=POLICY,
        rng=random.Random(0),
    )
    assert d.next_attempt_at == NOW + timedelta(seconds=POLICY.cap_s)


def test_permanent_errors_die_after_a_few_tries() -> None:
    rng = random.Random(0)
    for n in (1, 2):
        assert (
            decide(
                Result(422), attempt_no=n, first_attempt_at=NOW, now=NOW, policy=POLICY, rng=rng
            ).action
            == "retry"
        )
    d = decide(Result(422), attempt_no=3, first_attempt_at=NOW, now=NOW, policy=POLICY, rng=rng)
    assert d.action == "dead" and "HTTP 422" in (d.reason or "")


def test_transient_errors_die_only_after_days() -> None:
    rng = random.Random(0)
    late = NOW + timedelta(days=3)
    d = decide(Result(500), attempt_no=40, first_attempt_at=NOW, now=late, policy=POLICY, rng=rng)
    assert d.action == "dead"
    d = decide(
        Result(500),
        attempt_no=40,
        first_attempt_at=NOW,
        now=NOW + timedelta(days=1),
        policy=POLICY,
        rng=rng,
    )
    assert d.action == "retry"


def test_gone_disables() -> None:
    d = decide(
        Result(410),
        attempt_no=1,
        first_attempt_at=NOW,
        now=NOW,
        policy=POLICY,
        rng=random.Random(0),
    )
    assert d.action == "disable"
