"""Repository for handoffs: the queue of customers waiting for a human colleague.

Accepting is one conditional UPDATE (`... WHERE status = 'queued'`), so when two experts accept the same
handoff at the same moment exactly one wins, on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, func, or_, select, update

from assistant.store.db import Database
from assistant.store.tables import HandoffRow, utcnow


class HandoffNotFound(LookupError):
    """No handoff with this id."""


class HandoffStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def create(
        self,
        session_id: str,
        reason: str,
        skill: str,
        priority: int,
        summary: dict[str, Any],
        branch_id: str | None = None,
    ) -> HandoffRow:
        row = HandoffRow(
            id=str(uuid.uuid4()),
            session_id=session_id,
            branch_id=branch_id,
            reason=reason,
            skill=skill,
            priority=priority,
            status="queued",
            summary=summary,
            created_at=utcnow(),
        )
        with self._db.session() as s:
            s.add(row)
        return row

    def get(self, handoff_id: str) -> HandoffRow:
        with self._db.session() as s:
            row = s.get(HandoffRow, handoff_id)
            if row is None:
                raise HandoffNotFound(handoff_id)
            return row

    def open_for_session(self, session_id: str) -> HandoffRow | None:
        """The session's handoff that is still queued or being served, if any."""
        with self._db.session() as s:
            return s.scalars(
                select(HandoffRow)
                .where(HandoffRow.session_id == session_id, HandoffRow.status.in_(("queued", "accepted")))
                .order_by(HandoffRow.created_at.desc())
            ).first()

    def position(self, handoff_id: str) -> int:
        """1-based place in its skill's queue (higher priority first, then first come); 0 once taken."""
        with self._db.session() as s:
            row = s.get(HandoffRow, handoff_id)
            if row is None:
                raise HandoffNotFound(handoff_id)
            if row.status != "queued":
                return 0
            ahead = s.scalar(
                select(func.count()).where(
                    HandoffRow.status == "queued",
                    HandoffRow.skill == row.skill,
                    or_(
                        HandoffRow.priority > row.priority,
                        and_(HandoffRow.priority == row.priority, HandoffRow.created_at < row.created_at),
                    ),
                )
            )
            return int(ahead or 0) + 1

    def queue(self, skill: str | None = None) -> list[HandoffRow]:
        """Queued handoffs in serving order."""
        query = select(HandoffRow).where(HandoffRow.status == "queued")
        if skill:
            query = query.where(HandoffRow.skill == skill)
        with self._db.session() as s:
            return list(s.scalars(query.order_by(HandoffRow.priority.desc(), HandoffRow.created_at)))

    def accept(self, handoff_id: str, staff: str) -> bool:
        """Take a queued handoff; False when someone else took it first (or it was cancelled)."""
        with self._db.session() as s:
            result = s.execute(
                update(HandoffRow)
                .where(HandoffRow.id == handoff_id, HandoffRow.status == "queued")
                .values(status="accepted", assigned_to=staff, accepted_at=utcnow())
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def close(self, handoff_id: str, status: str = "finished") -> None:
        """Finish or cancel a handoff that is queued or accepted."""
        if status not in ("finished", "cancelled"):
            raise ValueError(f"cannot close a handoff as {status!r}")
        with self._db.session() as s:
            s.execute(
                update(HandoffRow)
                .where(HandoffRow.id == handoff_id, HandoffRow.status.in_(("queued", "accepted")))
                .values(status=status, finished_at=utcnow())
            )
