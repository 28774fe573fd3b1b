"""Benchmark: transcript search over ``--turns`` transcript lines, and the daily report over
``--calls`` calls, on SQLite and PostgreSQL.

A fresh database per backend gets synthetic calls: Chinese, Korean and English lines
(about a third each) drawn from word lists with a Zipf-like skew, ``--calls`` call records
on the report day with their attempts, flags and turn metrics, plus a tenth of that on
each of the seven days before (the anomaly baseline). Rows are bulk-inserted through the
same tables, triggers and indexes the product uses (search terms computed per row).

Measured (after one untimed cold run of each query, whose time is printed apart): the search (``dialogue.speech.search.search_transcripts``, 50 hits) for
queries of every kind (a common word, a rare word, a phrase, Korean, English, a word
that is absent), repeated; the history search (``supervision.history``, a text query
plus a campaign filter); the daily report (``supervision.report.build`` and the files).

Usage: python bench/supervision.py [--turns 1000000 --calls 100000] [--backends sqlite,pg]
(--keep keeps the PostgreSQL database; --backends pg --reuse then re-runs only the queries)
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, insert, text

from dialer.campaigns.models import Campaign
from dialer.lists.models import Customer
from dialogue.speech.models import CallTranscriptRow
from dialogue.speech.search import search_transcripts
from dialogue.speech.search_terms import terms_text
from kernel.db import Database
from kernel.settings import Settings
from supervision.history import HistoryFilter, history
from supervision.report import build
from supervision.report_files import write_all
from tailcall.schema import metadata

DEFAULT_PG = os.environ.get("TAILCALL_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BENCH_DB = "bench_supervision"
TZ = "Asia/Shanghai"
DAY = date(2026, 12, 3)


def _words(text: str) -> list[str]:
    return text.split()


ZH = _words(
    "您好 请问 是 本人 吗 我们 银行 信用卡 积分 即将 到期 可以 兑换 礼品 抵扣 年费 理财 产品 "
    "收益 稳定 风险 较低 需要 了解 一下 不用 了 谢谢 好的 没问题 现在 不方便 晚点 再说 手机 "
    "银行 操作 网点 客户 经理 联系 您 方便 的话 帮 您 转接 人工 客服 期限 三个月 起购 金额 "
    "一万元 存款 利率 活动 优惠 最近 推出 新 的 基金 定投 保险 贷款 额度 提升 账单 分期 还款"
)
KO = _words(
    "안녕하세요 고객님 본인 맞으신가요 은행 카드 포인트 곧 소멸됩니다 적립금이 사용 가능 "
    "상품 안내 드립니다 관심 있으세요 네 아니요 괜찮습니다 나중에 다시 전화 주세요 상담원 "
    "연결 해 드릴까요 금리 예금 적금 대출 한도 혜택 이벤트 기간 확인 감사합니다 바쁩니다"
)
EN = _words(
    "hello is this the account holder your card points expire at the end of month you can "
    "redeem them for gifts or fees we have a savings product with stable returns would you "
    "like to hear more no thanks not now call me later please transfer me to an agent the "
    "rate is fixed for three months minimum deposit ten thousand thank you goodbye statement"
)
RARE = ["翡翠卡", "백금카드", "platinumplus"]
PHRASES = ([""] * 40) + ["我想了解理财产品", "적립금이 있어요", "please transfer me to an agent"]


def sentence(rng: random.Random, words: list[str], sep: str) -> str:
    n = rng.randint(5, 14)
    picked = [words[min(int(rng.paretovariate(1.2)) - 1, len(words) - 1)] for _ in range(n)]
    if rng.random() < 0.001:
        picked.insert(rng.randrange(n), rng.choice(RARE))
    extra = rng.choice(PHRASES)  # a known phrase in about 2 % of lines
    if extra:
        picked.append(extra)
    return sep.join(picked)


def fill(db: Database, calls: int, turns: int, seed: int = 7) -> dict[str, float]:
    """Bulk-insert the synthetic days; seconds spent per table."""
    rng = random.Random(seed)
    took: dict[str, float] = {}
    day0 = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)  # 09:00 Shanghai
    plan: list[tuple[datetime, int]] = [(day0, calls)]
    plan += [(day0 - timedelta(days=k), max(1, calls // 10)) for k in range(1, 8)]
    total = sum(n for _, n in plan)
    with db.engine.begin() as conn:
        conn.execute(
            insert(Campaign),
            [{"name": f"c{i}", "script_id": "points_reminder", "language": "zh-CN",
              "caller_id": "10086", "status": "running", "window": {}, "variants": []}
             for i in range(5)],
        )  # fmt: skip
        t = time.perf_counter()
        cust = [
            {"phone_e164": f"+8613{i:09d}", "name": f"客户{i}", "branch": f"支行{i % 40}",
             "tags": [], "attributes": {}}
            for i in range(total)
        ]  # fmt: skip
        for i in range(0, total, 20000):
            conn.execute(insert(Customer), cust[i : i + 20000])
        took["customers"] = time.perf_counter() - t
    attempts: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    flags: list[dict[str, Any]] = []
    metrics: list[dict[str, Any]] = []
    aid = 0
    for start, n in plan:
        for _ in range(n):
            aid += 1
            dialed = start + timedelta(seconds=rng.uniform(0, 11 * 3600))
            answered = rng.random() < 0.6
            human = answered and rng.random() < 0.9
            grade = rng.choice("AABBCCCDDD") if human else None
            ended = dialed + timedelta(seconds=rng.uniform(20, 200))
            sid = f"CA{aid:09d}"
            attempts.append({
                "id": aid, "campaign_id": 1 + aid % 5, "customer_id": aid, "phone_e164": f"+8613{aid - 1:09d}",
                "variant": "AB"[aid % 2], "status": "ended", "due_at": dialed, "queued_at": dialed,
                "dialed_at": dialed, "answered_at": dialed + timedelta(seconds=8) if answered else None,
                "ended_at": ended, "carrier_sid": sid, "outcome": "answered" if answered else "no_answer",
                "seq": 1, "media_started_at": None,
            })  # fmt: skip
            if not answered:
                continue
            handoff = (
                rng.choice([None, None, None, "accepted", "timeout"]) if grade == "A" else None
            )
            f = ["long_silence"] if rng.random() < 0.05 else []
            records.append({
                "attempt_id": aid, "call_sid": sid, "campaign_id": 1 + aid % 5, "customer_id": aid,
                "phone_masked": "****" + f"{aid:04d}"[-4:], "branch": f"支行{aid % 40}",
                "script_id": "points_reminder", "variant": "AB"[aid % 2],
                "answered_by": "human" if human else "voicemail", "disposition": "done",
                "grade": grade, "score": rng.random(), "reasons": [], "handoff_result": handoff,
                "agent_id": None, "opted_out": rng.random() < 0.01, "leads": 1 if grade in ("A", "B") else 0,
                "dialed_at": dialed, "answered_at": dialed + timedelta(seconds=8), "ended_at": ended,
                "duration_s": (ended - dialed).total_seconds(), "flags": f, "qa_at": ended,
                "review_state": "queued" if f else "none", "review_reason": "flagged" if f else None,
                "review_score": None,
            })  # fmt: skip
            flags += [{"attempt_id": aid, "code": c, "detail": "", "at_s": 1.0} for c in f]
            metrics += [
                {"call_sid": sid, "attempt_id": aid, "seq": k, "state": "s", "speech_end_s": 3.0 * k,
                 "asr_final_latency_s": 0.3, "response_latency_s": 0.6, "tts_s": 0.01,
                 "accepted": rng.random() < 0.9}
                for k in range(2)
            ]  # fmt: skip
    with db.engine.begin() as conn:
        for table, rows in (("attempts", attempts), ("call_records", records),
                            ("call_qa_flags", flags), ("call_turn_metrics", metrics)):  # fmt: skip
            t = time.perf_counter()
            tbl = metadata.tables[table]
            for i in range(0, len(rows), 20000):
                conn.execute(insert(tbl), rows[i : i + 20000])
            took[table] = time.perf_counter() - t
    t = time.perf_counter()
    turn_rows = 0
    turns_per_call = -(-turns // len(records))
    with db.engine.begin() as conn:
        stmt = insert(CallTranscriptRow.__table__)  # type: ignore[arg-type]
        batch: list[dict[str, Any]] = []
        for rec in records:
            for k in range(turns_per_call):
                if turn_rows + len(batch) >= turns:
                    break
                lang = rec["attempt_id"] % 3
                words, sep = ((ZH, ""), (KO, " "), (EN, " "))[lang]
                line = sentence(rng, words, sep)
                batch.append({
                    "call_sid": rec["call_sid"], "attempt_id": rec["attempt_id"], "seq": k,
                    "speaker": "customer" if k % 2 else "bot", "text": line, "confidence": 0.9,
                    "start_s": 3.0 * k, "end_s": 3.0 * k + 2, "state": "s", "matched": None,
                    "prompt_id": None, "search_terms": terms_text(line),
                })  # fmt: skip
                if len(batch) >= 20000:
                    conn.execute(stmt, batch)
                    turn_rows += len(batch)
                    batch = []
        if batch:
            conn.execute(stmt, batch)
            turn_rows += len(batch)
    took["transcript_rows"] = time.perf_counter() - t
    took["turns"] = float(turn_rows)
    took["calls_on_day"] = float(sum(1 for r in records if r["dialed_at"] >= day0))
    return took


QUERIES = [
    ("zh common word", "积分"),
    ("zh phrase", "理财产品"),
    ("zh rare word", "翡翠卡"),
    ("ko word+particle", "적립금"),
    ("ko rare", "백금카드"),
    ("en phrase", "transfer me to an agent"),
    ("en rare", "platinumplus"),
    ("absent", "比特币"),
]


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p * (len(xs) - 1)))]


def bench_search(
    db: Database, repeat: int, cold: list[float]
) -> list[tuple[str, str, int, float, float, str]]:
    out = []
    for label, q in QUERIES:
        times = []
        hits = 0
        t = time.perf_counter()
        with db.read() as s:  # the first (cold) run, not counted
            search_transcripts(s, q, limit=50)
        cold.append((time.perf_counter() - t) * 1000)
        for _ in range(repeat):
            t = time.perf_counter()
            with db.read() as s:
                hits = len(search_transcripts(s, q, limit=50))
            times.append((time.perf_counter() - t) * 1000)
        out.append((label, q, hits, statistics.median(times), pct(times, 0.95), load()))
    for label, q in (("history zh + campaign", "理财产品"), ("history ko + campaign", "적립금")):
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            with db.read() as s:
                hits = len(history(s, HistoryFilter(q=q, campaign_id=2, limit=50)).rows)
            times.append((time.perf_counter() - t) * 1000)
        out.append((label, q, hits, statistics.median(times), pct(times, 0.95), load()))
    return out


def load() -> str:
    """The machine's 1-minute load average now (shared machines: printed beside each figure)."""
    return f"{os.getloadavg()[0]:.2f}"


def run(name: str, db: Database, args: argparse.Namespace) -> None:
    t = time.perf_counter()
    if args.reuse:
        with db.engine.connect() as conn:  # the kept database's sizes
            turns = conn.execute(text("SELECT count(*) FROM call_transcript_rows")).scalar()
            on_day = conn.execute(
                text("SELECT count(*) FROM call_records WHERE dialed_at >= :t"),
                {"t": datetime(2026, 12, 3, 1, 0, tzinfo=UTC)},
            ).scalar()
        took = {"turns": float(turns or 0), "calls_on_day": float(on_day or 0),
                "transcript_rows": 0.0}  # fmt: skip
    else:
        metadata.create_all(db.engine)
        took = fill(db, args.calls, args.turns)
    load_s = time.perf_counter() - t
    if name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    print(f"\n== {name} (target: search p95 <= 300 ms): {int(took['turns']):,} transcript lines, {int(took['calls_on_day']):,} "
          f"answered calls on the report day; load {load_s:.0f} s "
          f"(transcripts {took['transcript_rows']:.0f} s)")  # fmt: skip
    print(f"{'query':<24} {'text':<26} {'hits':>5} {'p50 ms':>8} {'p95 ms':>8} {'load':>6}")
    cold: list[float] = []
    for label, q, hits, p50, p95, at_load in bench_search(db, args.repeat, cold):
        print(f"{label:<24} {q:<26} {hits:>5} {p50:>8.1f} {p95:>8.1f} {at_load:>6}")
    print(f"first (cold) run of each search: max {max(cold):.0f} ms")
    t = time.perf_counter()
    with db.read() as s:
        rep = build(s, DAY, TZ, datetime.now(UTC))
    build_s = time.perf_counter() - t
    t = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        write_all(rep, Path(out))
    files_s = time.perf_counter() - t
    o = rep.overall
    print(f"daily report: {o.dialed:,} dialed, {o.answered:,} answered: build {build_s:.2f} s, "
          f"files {files_s:.2f} s, total {build_s + files_s:.2f} s (target <= 30 s); "
          f"load {load()}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--turns", type=int, default=1_000_000)
    ap.add_argument("--calls", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--backends", default="sqlite,pg")
    ap.add_argument("--pg-url", default=DEFAULT_PG)
    ap.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    ap.add_argument("--reuse", action="store_true", help="query a kept database, no load")
    args = ap.parse_args()
    if "sqlite" in args.backends:
        with tempfile.TemporaryDirectory() as tmp:
            s = Settings(env="test", data_dir=Path(tmp), database_url=f"sqlite:///{tmp}/bench.db")
            db = Database(s)
            run("sqlite", db, args)
            db.dispose()
    if "pg" in args.backends:
        admin = create_engine(args.pg_url.replace("postgresql://", "postgresql+psycopg://", 1),
                              isolation_level="AUTOCOMMIT")  # fmt: skip
        if not args.reuse:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
                c.execute(text(f'CREATE DATABASE "{BENCH_DB}"'))
        try:
            with tempfile.TemporaryDirectory() as tmp:
                url = args.pg_url.rsplit("/", 1)[0] + f"/{BENCH_DB}"
                db = Database(Settings(env="test", data_dir=Path(tmp), database_url=url))
                run("postgresql", db, args)
                db.dispose()
        finally:
            if not args.keep:
                with admin.connect() as c:
                    c.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
