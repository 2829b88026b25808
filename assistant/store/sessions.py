"""Repository for sessions and their turns.

Turns get a per-session sequence number; the unique (session_id, seq) index makes a lost race
visible as an IntegrityError instead of two turns with one number.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from assistant.store.db import Database
from assistant.store.tables import SessionRow, TurnRow, utcnow

APPEND_ATTEMPTS = 10


class SessionNotFound(LookupError):
    """No session with this id."""


class StaleSession(RuntimeError):
    """The session changed in another process since it was read; the turn must be retried."""


def as_utc(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back; they were written in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class NewTurn:
    """What the conversation records about one turn."""

    speaker: str
    text: str
    source: str = "typed"
    asr_confidence: float | None = None
    intent: str | None = None
    slots: dict[str, Any] = field(default_factory=dict)
    citations: list[Any] = field(default_factory=list)
    backend_calls: list[Any] = field(default_factory=list)
    risk: list[Any] = field(default_factory=list)
    latency_ms: dict[str, Any] = field(default_factory=dict)


class SessionStore:
    """Sessions and turns in the relational store."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def create(
        self,
        channel: str,
        branch_id: str | None = None,
        device_id: str | None = None,
        language: str = "zh",
        state: dict[str, Any] | None = None,
    ) -> SessionRow:
        row = SessionRow(
            id=str(uuid.uuid4()),
            channel=channel,
            branch_id=branch_id,
            device_id=device_id,
            language=language,
            status="active",
            state=state or {},
            version=0,
            created_at=utcnow(),
            updated_at=utcnow(),
        )
        with self._db.session() as s:
            s.add(row)
        return row

    def get(self, session_id: str) -> SessionRow:
        with self._db.session() as s:
            row = s.get(SessionRow, session_id)
            if row is None:
                raise SessionNotFound(session_id)
            return row

    def save_state(self, session_id: str, state: dict[str, Any], expected_version: int | None = None) -> None:
        """Store the session's state. With `expected_version`, a write over a state that another process
        changed meanwhile is refused (StaleSession) instead of silently losing that change."""
        self.record(session_id, [], state, expected_version)

    def end(self, session_id: str, at: datetime | None = None) -> SessionRow:
        with self._db.session() as s:
            row = s.get(SessionRow, session_id)
            if row is None:
                raise SessionNotFound(session_id)
            if row.status != "ended":
                row.status = "ended"
                row.ended_at = at or utcnow()
                row.updated_at = row.ended_at
            return row

    def end_idle(self, idle_since: datetime) -> list[str]:
        """End every active session untouched since `idle_since` (a walked-away customer); returns their ids
        (so each kiosk showing one can be told to clear its screen)."""
        now = utcnow()
        with self._db.session() as s:
            result = s.execute(
                update(SessionRow)
                .where(SessionRow.status == "active", SessionRow.updated_at < idle_since)
                .values(status="ended", ended_at=now, updated_at=now)
                .returning(SessionRow.id)
            )
            return [str(row[0]) for row in result]

    def append_turn(self, session_id: str, turn: NewTurn) -> TurnRow:
        return self.record(session_id, [turn])[0]

    def record(
        self,
        session_id: str,
        turns: Sequence[NewTurn],
        state: dict[str, Any] | None = None,
        expected_version: int | None = None,
    ) -> list[TurnRow]:
        """One transaction for what a turn leaves behind: the new state (refused with StaleSession when
        another process changed the session since `expected_version`) and the turns, numbered in order.
        A concurrent writer that took the same sequence numbers makes the unique index fail, and the whole
        transaction is retried with fresh numbers."""
        for _attempt in range(APPEND_ATTEMPTS - 1):
            try:
                return self._record_once(session_id, turns, state, expected_version)
            except IntegrityError:
                continue
        return self._record_once(session_id, turns, state, expected_version)

    def _record_once(
        self, session_id: str, turns: Sequence[NewTurn], state: dict[str, Any] | None, expected_version: int | None
    ) -> list[TurnRow]:
        with self._db.session() as s:
            if state is not None:
                query = update(SessionRow).where(SessionRow.id == session_id)
                if expected_version is not None:
                    query = query.where(SessionRow.version == expected_version)
                result = s.execute(query.values(state=state, version=SessionRow.version + 1, updated_at=utcnow()))
                if not result.rowcount:  # type: ignore[attr-defined]
                    if s.get(SessionRow, session_id) is None:
                        raise SessionNotFound(session_id)
                    raise StaleSession(session_id)
            elif s.get(SessionRow, session_id) is None:
                raise SessionNotFound(session_id)
            last = s.scalar(select(func.max(TurnRow.seq)).where(TurnRow.session_id == session_id)) or 0
            rows = [
                TurnRow(
                    session_id=session_id,
                    seq=last + i,
                    speaker=t.speaker,
                    text=t.text,
                    source=t.source,
                    asr_confidence=t.asr_confidence,
                    intent=t.intent,
                    slots=t.slots,
                    citations=t.citations,
                    backend_calls=t.backend_calls,
                    risk=t.risk,
                    latency_ms=t.latency_ms,
                    created_at=utcnow(),
                )
                for i, t in enumerate(turns, start=1)
            ]
            s.add_all(rows)
            s.flush()
            return rows

    def turns(self, session_id: str) -> list[TurnRow]:
        with self._db.session() as s:
            return list(s.scalars(select(TurnRow).where(TurnRow.session_id == session_id).order_by(TurnRow.seq)))
