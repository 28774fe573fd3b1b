"""Database plumbing: declarative Base, engine factory, sessions, migrations.

SQLite gets WAL, a busy timeout, foreign keys, and transactions that start with
``BEGIN IMMEDIATE`` (it has no row locks, so writers serialise up front instead of failing
on lock upgrade); read-only sessions use a plain deferred ``BEGIN``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    DateTime,
    Engine,
    MetaData,
    Table,
    bindparam,
    create_engine,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import TypeDecorator

from kernel.settings import Settings

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def make_engine(settings: Settings, **kwargs: Any) -> Engine:
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        _configure_sqlite(engine, settings.sqlite_busy_timeout_ms)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA cache_size=-65536")  # 64 MiB: bulk imports touch big indexes
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get("sqlite_deferred"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


class Database:
    """An engine and its session factory, created once per process from settings."""

    def __init__(self, settings: Settings, **engine_kwargs: Any) -> None:
        self.settings = settings
        self.engine = make_engine(settings, **engine_kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        readonly: Engine = self.engine
        if is_sqlite(self.engine):
            readonly = self.engine.execution_options(sqlite_deferred=True)
        self.read_sessions = sessionmaker(readonly, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on any error."""
        with self.sessions() as s, s.begin():
            yield s

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session (no write lock on SQLite)."""
        with self.read_sessions() as s:
            yield s

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(settings: Settings, metadata: MetaData | None = None) -> Any:
    """Alembic's configuration for this database. ``metadata`` (every subsystem's tables,
    ``tailcall.schema.metadata``) is needed only to autogenerate or compare a migration;
    running the migrations needs none."""
    from alembic.config import Config  # deferred: alembic adds 0.5 s to every process start

    ini = Path(__file__).with_name("alembic.ini")
    cfg = Config(str(ini))
    cfg.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    cfg.set_main_option("sqlalchemy.url", settings.resolved_database_url.replace("%", "%%"))
    cfg.attributes["settings"] = settings
    cfg.attributes["metadata"] = metadata
    return cfg


def upgrade(settings: Settings, revision: str = "head") -> None:

    from alembic import command  # deferred: see alembic_config

    settings.ensure_dirs()
    command.upgrade(alembic_config(settings), revision)


def utcnow() -> datetime:
    return datetime.now(UTC)


def execute_many(conn: Connection, stmt: ClauseElement, rows: Sequence[Mapping[str, Any]]) -> None:
    """Runs ``stmt`` once per row through the driver's executemany.

    SQLAlchemy's Core executemany builds every row's parameters through the compiler and
    its type processors one row at a time; here the statement is compiled once, the bind
    processors are looked up once per parameter and rows go to the driver as plain tuples
    or dicts (about 5x faster on big batches). A row gives the statement's bind parameters
    by name; parameters it leaves out take the value compiled into the statement (e.g.
    ``.values(updated_at=now)``), processed once.
    """
    if not rows:
        return
    compiled = stmt.compile(dialect=conn.dialect)
    assert isinstance(compiled, SQLCompiler)
    defaults = dict(compiled.construct_params(_check=False) or {})
    names = list(compiled.positiontup) if compiled.positiontup is not None else list(defaults)
    procs = [compiled.binds[n].type._cached_bind_processor(conn.dialect) for n in names]
    plan = list(zip(names, procs, strict=True))
    fixed = {n: (p(defaults[n]) if p and defaults[n] is not None else defaults[n]) for n, p in plan}
    given = [(n, p) for n, p in plan if n in rows[0]]
    positional = compiled.positiontup is not None
    params: list[Any] = []
    for row in rows:
        values = dict(fixed)
        for n, p in given:
            v = row[n]
            values[n] = p(v) if p and v is not None else v
        params.append(tuple(values[n] for n in names) if positional else values)
    conn.exec_driver_sql(compiled.string, params)


def bulk_insert(
    conn: Connection,
    table: Table,
    rows: list[dict[str, Any]],
    same: dict[str, Any] | None = None,
) -> None:
    """Inserts many rows with ``execute_many``; ``same`` gives values shared by every row.
    Rows must give every other column of the insert (Python-side defaults are not applied)."""
    if not rows:
        return
    stmt = insert(table).values({c: bindparam(c) for c in rows[0]} | (same or {}))
    execute_many(conn, stmt, rows)


def reserve_ids(conn: Connection, table: Table, count: int) -> list[int]:
    """Primary keys for rows about to be bulk-inserted.

    PostgreSQL draws them from the column's sequence. SQLite has no sequence: the caller
    must hold the write lock (every write transaction here begins IMMEDIATE), so the next
    ids after the current maximum are free until it commits.
    """
    pk = next(iter(table.primary_key.columns))
    if count <= 0:
        return []
    if conn.dialect.name == "postgresql":
        seq = conn.scalar(select(func.pg_get_serial_sequence(table.name, pk.name)))
        rows = conn.execute(
            select(func.nextval(seq)).select_from(func.generate_series(1, count))
        ).scalars()
        return list(rows)
    top = conn.scalar(select(func.coalesce(func.max(pk), 0))) or 0
    return list(range(int(top) + 1, int(top) + 1 + count))


def rows_in(
    conn: Connection, sql: str, values: Sequence[Any], *params: Any
) -> list[tuple[Any, ...]]:
    """Runs driver SQL whose ``{in}`` marks a list of ``values``, after any ``params``.

    For hot lookups of thousands of keys: SQLAlchemy renders an IN list element by element
    (hundreds of thousands of calls per large import); the driver takes it as one string.
    Only for plain columns: results come back unprocessed.
    """
    if not values:
        return []
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    marks = ", ".join([mark] * len(values))
    cur = conn.exec_driver_sql(sql.replace("{in}", marks), (*params, *values))
    return [tuple(r) for r in cur.fetchall()]
