"""The append-only, hash-chained audit log of staff actions and money-moving steps.

Appends are serialised so two writers never chain to the same record: a process-wide lock, then the
database's own (PostgreSQL: a transaction-scoped advisory lock; SQLite: the write lock taken before the
last record is read). Reading the chain back and recomputing every hash finds the first broken link.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from assistant.audit.chain import GENESIS, normalise_details, record_hash, timestamp
from assistant.store.db import Database
from assistant.store.sessions import as_utc
from assistant.store.tables import AuditRow, utcnow

# The actions of the contract; others are allowed when they are lower-case words joined by '_'.
ACTIONS = (
    "sign_in",
    "sign_in_failed",
    "sign_out",
    "unmask",
    "handoff_accept",
    "authorization_decide",
    "export",
    "search",
    "knowledge_change",
    "money_step",
    "user_change",
    "device_change",
)
_ACTION = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_PG_LOCK_KEY = 0x4C4F4242  # "LOBB": one advisory lock for the one chain
_BATCH = 1000
P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: datetime
    actor: str
    role: str | None
    action: str
    subject: str | None
    details: dict[str, Any]
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, row: AuditRow) -> AuditEntry:
        return cls(
            row.seq,
            as_utc(row.at),
            row.actor,
            row.role,
            row.action,
            row.subject,
            row.details or {},
            row.prev_hash,
            row.hash,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": timestamp(self.at),
            "actor": self.actor,
            "role": self.role,
            "action": self.action,
            "subject": self.subject,
            "details": self.details,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


@dataclass(frozen=True)
class ChainReport:
    """The outcome of `verify`: ok, or the first broken record and what is wrong with it."""

    ok: bool
    records: int
    head_hash: str
    broken_seq: int | None = None
    problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "records": self.records,
            "head_hash": self.head_hash,
            "broken_seq": self.broken_seq,
            "problem": self.problem,
        }


def _off_the_loop(
    method: Callable[Concatenate[AuditLog, P], R],
) -> Callable[Concatenate[AuditLog, P], Coroutine[Any, Any, R]]:
    """The async twin of a blocking method, so its signature is written (and checked) once."""

    async def twin(self: AuditLog, *args: P.args, **kwargs: P.kwargs) -> R:
        return await asyncio.to_thread(method, self, *args, **kwargs)

    twin.__name__ = f"a{method.__name__}"
    twin.__doc__ = f"`{method.__name__}` off the event loop."
    return twin


class AuditLog:
    """`record(...)` appends one record; `verify()` walks the whole chain; `list(...)` reads it back."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._lock = threading.Lock()

    def record(
        self,
        actor: str,
        role: str | None,
        action: str,
        subject: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> AuditEntry:
        """Append one record (blocking; from async code use `arecord`)."""
        if not _ACTION.match(action):
            raise ValueError(f"an audit action is a lower-case word joined by '_', not {action!r}")
        actor, role = actor[:64], role[:16] if role else None
        subject = subject[:128] if subject else None
        body = normalise_details(details)
        with self._lock, self._db.session() as s:
            self._lock_chain(s)
            last = s.execute(select(AuditRow.seq, AuditRow.hash).order_by(AuditRow.seq.desc()).limit(1)).first()
            seq, prev = (last[0] + 1, last[1]) if last is not None else (1, GENESIS)
            at = utcnow()
            digest = record_hash(prev, seq, at, actor, role, action, subject, body)
            row = AuditRow(
                seq=seq,
                at=at,
                actor=actor,
                role=role,
                action=action,
                subject=subject,
                details=body,
                prev_hash=prev,
                hash=digest,
            )
            s.add(row)
        return AuditEntry.of(row)

    # `record` off the event loop: the same arguments, run in a worker thread
    arecord = _off_the_loop(record)

    def _lock_chain(self, s: Session) -> None:
        if s.get_bind().dialect.name == "postgresql":
            s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        else:
            # A write statement first makes SQLite take its write lock now (waiting up to busy_timeout for
            # another process), so the last record read below cannot change before the insert commits.
            s.execute(text("UPDATE audit_log SET seq = seq WHERE 0 = 1"))

    def verify(self) -> ChainReport:
        """Recompute every link from the first record; report the first record that does not fit."""
        prev, expected, count = GENESIS, 1, 0
        with self._db.session() as s:
            rows = s.execute(select(AuditRow).order_by(AuditRow.seq).execution_options(yield_per=_BATCH)).scalars()
            for row in rows:
                broken = _broken(row, expected, prev)
                if broken is not None:
                    return ChainReport(False, count, prev, broken[0], broken[1])
                prev, expected, count = row.hash, expected + 1, count + 1
        return ChainReport(True, count, prev)

    def list(
        self, limit: int = 100, action: str | None = None, actor: str | None = None, before_seq: int | None = None
    ) -> list[AuditEntry]:
        """Newest first."""
        query = select(AuditRow).order_by(AuditRow.seq.desc()).limit(max(1, min(limit, 10_000)))
        if action:
            query = query.where(AuditRow.action == action)
        if actor:
            query = query.where(AuditRow.actor == actor)
        if before_seq is not None:
            query = query.where(AuditRow.seq < before_seq)
        with self._db.session() as s:
            return [AuditEntry.of(row) for row in s.scalars(query)]


def _broken(row: AuditRow, expected_seq: int, prev_hash: str) -> tuple[int, str] | None:
    """(seq, what is wrong) when `row` does not continue the chain; None when it does."""
    if row.seq != expected_seq:
        return expected_seq, f"record {expected_seq} is missing (deleted); the next record is {row.seq}"
    if row.prev_hash != prev_hash:
        return (
            row.seq,
            f"prev_hash does not match the hash of record {row.seq - 1} (that record was changed or removed)",
        )
    details = row.details if isinstance(row.details, dict) else {}
    recomputed = record_hash(row.prev_hash, row.seq, row.at, row.actor, row.role, row.action, row.subject, details)
    if recomputed != row.hash:
        return row.seq, "contents changed: the stored hash does not match the record"
    return None
