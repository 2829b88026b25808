"""The sandbox's database: engine, sessions, seeding and reset.

On SQLite every transaction starts with `BEGIN IMMEDIATE`, so writers queue on the database lock
instead of failing half-way with "database is locked"; within one process they also queue on a
Python lock first, because SQLite's busy handler sleeps up to 100 ms between polls and would make
50 concurrent transfers take seconds. Money moves are additionally guarded by conditional updates,
which is what keeps them correct on other databases too.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.schema import CreateColumn

from integrations.sandbox import tables as t
from integrations.sandbox.seed import load_cast, seed, seed_missing_pins
from integrations.sandbox.seed_orders import seed_missing_orders


def database_url(db_path_or_url: str | Path) -> str:
    text = str(db_path_or_url)
    if "://" in text:
        return text
    path = Path(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path.as_posix()}"


def make_engine(db_path_or_url: str | Path) -> Engine:
    url = database_url(db_path_or_url)
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, pool_size=20, max_overflow=40)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let SQLAlchemy's begin event emit BEGIN itself
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable against crashes, no fsync per commit
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class SandboxState:
    """Engine and session factory of one sandbox, with seeding and reset."""

    def __init__(self, db_path_or_url: str | Path) -> None:
        self.engine = make_engine(db_path_or_url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._serial: AbstractContextManager[object] = (
            threading.Lock() if self.engine.dialect.name == "sqlite" else nullcontext()
        )
        t.Base.metadata.create_all(self.engine)
        add_missing_columns(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed on success, rolled back on any error."""
        with self._serial, self._sessions() as session, session.begin():
            yield session

    def seeded_on(self) -> dt.date | None:
        with self.session() as s:
            row = s.get(t.Meta, "seeded_on")
            return dt.date.fromisoformat(row.value) if row else None

    def ensure_seeded(self, today: dt.date | None = None) -> None:
        """Seed an empty database, and re-seed one seeded on another day (relative bookings)."""
        today = today or dt.date.today()
        if self.seeded_on() != today:
            self.reset(today)
            return
        with self.session() as s:
            seed_missing_pins(s)
            seed_missing_orders(s, load_cast()["customers"], today)

    def reset(self, today: dt.date | None = None) -> None:
        """Drop every row and write the cast again."""
        today = today or dt.date.today()
        with self.session() as s:
            for table in reversed(t.Base.metadata.sorted_tables):
                s.execute(table.delete())
            seed(s, today)

    def has_customer(self, customer_id: str) -> bool:
        with self.session() as s:
            return s.scalar(select(t.Customer.id).where(t.Customer.id == customer_id)) is not None

    def dispose(self) -> None:
        self.engine.dispose()


def add_missing_columns(engine: Engine) -> list[str]:
    """Add the nullable columns a newer sandbox declares to tables an older one created.

    `create_all` creates missing tables but never alters existing ones, and a sandbox database under
    var/ outlives upgrades (it is only re-seeded, never dropped). Returns the `table.column`s added."""
    added: list[str] = []
    with engine.begin() as conn:
        existing = inspect(conn)  # on this connection: another one would wait for the write lock it holds
        for table in t.Base.metadata.sorted_tables:
            have = {c["name"] for c in existing.get_columns(table.name)}
            for column in table.columns:
                if column.name in have:
                    continue
                if not column.nullable:
                    raise RuntimeError(f"cannot add NOT NULL column {table.name}.{column.name} to an existing table")
                ddl = CreateColumn(column).compile(dialect=engine.dialect)
                conn.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN {ddl}")
                added.append(f"{table.name}.{column.name}")
    return added


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:20]}"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
