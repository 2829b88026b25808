"""Repository for handoffs: the queue of customers waiting for a human colleague.

Accepting is one conditional UPDATE (`... WHERE status = 'queued'`), so when two experts accept the same
handoff at the same moment exactly one wins, on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update

from assistant.store.db import Database
from assistant.store.tables import HandoffRow, SessionRow, UserRow, utcnow

PRESENCE = ("online", "busy", "offline")


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

    def queue(self, skill: str | None = None, branch_id: str | None = None) -> list[HandoffRow]:
        """Queued handoffs in serving order."""
        query = select(HandoffRow).where(HandoffRow.status == "queued")
        if skill:
            query = query.where(HandoffRow.skill == skill)
        if branch_id:
            query = query.where(HandoffRow.branch_id == branch_id)
        with self._db.session() as s:
            return list(s.scalars(query.order_by(HandoffRow.priority.desc(), HandoffRow.created_at)))

    def assigned_to(self, staff: str) -> list[HandoffRow]:
        """Handoffs this colleague accepted and has not finished yet, oldest first."""
        with self._db.session() as s:
            return list(
                s.scalars(
                    select(HandoffRow)
                    .where(HandoffRow.assigned_to == staff, HandoffRow.status == "accepted")
                    .order_by(HandoffRow.accepted_at)
                )
            )

    def held_by(self, session_id: str, staff: str) -> bool:
        """Whether this colleague holds, or held until finishing it, a handoff of the session (a released
        handoff is no longer theirs): what lets them read that customer's session."""
        with self._db.session() as s:
            found = s.scalars(
                select(HandoffRow.id).where(
                    HandoffRow.session_id == session_id,
                    HandoffRow.assigned_to == staff,
                    HandoffRow.status.in_(("accepted", "finished")),
                )
            ).first()
            return found is not None

    def accepted_since(self, since: datetime) -> list[HandoffRow]:
        """Handoffs accepted at or after `since` (fairness counts and wait-time reports)."""
        with self._db.session() as s:
            return list(s.scalars(select(HandoffRow).where(HandoffRow.accepted_at >= since)))

    def redirect(self, handoff_id: str, skill: str, priority: int, dispatch: dict[str, Any]) -> bool:
        """Change a still-queued handoff's skill, priority and dispatch notes (offer, escalations) in
        one conditional UPDATE; False when it was taken or closed meanwhile."""
        with self._db.session() as s:
            row = s.get(HandoffRow, handoff_id)
            if row is None or row.status != "queued":
                return False
            summary = {**(row.summary or {}), "dispatch": dispatch}
            result = s.execute(
                update(HandoffRow)
                .where(HandoffRow.id == handoff_id, HandoffRow.status == "queued")
                .values(skill=skill, priority=priority, summary=summary)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def accept(self, handoff_id: str, staff: str) -> bool:
        """Take a queued handoff; False when someone else took it first (or it was cancelled)."""
        with self._db.session() as s:
            result = s.execute(
                update(HandoffRow)
                .where(HandoffRow.id == handoff_id, HandoffRow.status == "queued")
                .values(status="accepted", assigned_to=staff, accepted_at=utcnow())
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def awaiting_staff(self, since: datetime) -> list[SessionRow]:
        """Active sessions touched since `since` whose journey waits for a staff authorisation and that have
        no open handoff: nobody has been asked to decide yet."""
        open_handoff = (
            select(HandoffRow.id)
            .where(HandoffRow.session_id == SessionRow.id, HandoffRow.status.in_(("queued", "accepted")))
            .exists()
        )
        query = select(SessionRow).where(SessionRow.status == "active", SessionRow.updated_at >= since, ~open_handoff)
        with self._db.session() as s:
            rows = s.scalars(query).all()
        return [r for r in rows if ((r.state or {}).get("journey_info") or {}).get("status") == "waiting_authorization"]

    def waiting_authorization(self, since: datetime) -> list[SessionRow]:
        """Active sessions touched since `since` whose journey waits for a staff authorisation (asked or not)."""
        query = select(SessionRow).where(SessionRow.status == "active", SessionRow.updated_at >= since)
        with self._db.session() as s:
            rows = s.scalars(query).all()
        return [r for r in rows if ((r.state or {}).get("journey_info") or {}).get("status") == "waiting_authorization"]

    def release(self, handoff_id: str, staff: str) -> bool:
        """Give an accepted handoff back to the queue (the colleague cannot finish it)."""
        with self._db.session() as s:
            result = s.execute(
                update(HandoffRow)
                .where(HandoffRow.id == handoff_id, HandoffRow.status == "accepted", HandoffRow.assigned_to == staff)
                .values(status="queued", assigned_to=None, accepted_at=None)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def of_ended_sessions(self) -> list[HandoffRow]:
        """Open (queued or accepted) handoffs whose session has ended: the customer has left the kiosk."""
        ended = select(SessionRow.id).where(SessionRow.id == HandoffRow.session_id, SessionRow.status == "ended")
        with self._db.session() as s:
            query = select(HandoffRow).where(HandoffRow.status.in_(("queued", "accepted")), ended.exists())
            return list(s.scalars(query))

    def close_with(self, handoff_id: str, why: str) -> HandoffRow | None:
        """Cancel an open handoff and note why in its summary (`closed`); None when it was no longer open.
        One conditional UPDATE, so a colleague accepting at the same moment either wins or finds it closed."""
        with self._db.session() as s:
            row = s.get(HandoffRow, handoff_id)
            if row is None or row.status not in ("queued", "accepted"):
                return None
            now = utcnow()
            summary = {**(row.summary or {}), "closed": {"reason": why, "at": now.isoformat()}}
            result = s.execute(
                update(HandoffRow)
                .where(HandoffRow.id == handoff_id, HandoffRow.status == row.status)
                .values(status="cancelled", finished_at=now, summary=summary)
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                return None
        return self.get(handoff_id)

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


class PresenceStore:
    """Staff presence (online, busy, offline) and skills, kept on the users table so every replica sees it."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def set(self, username: str, presence: str) -> bool:
        """False when there is no such active user."""
        if presence not in PRESENCE:
            raise ValueError(f"presence must be one of {PRESENCE}, not {presence!r}")
        with self._db.session() as s:
            result = s.execute(
                update(UserRow).where(UserRow.username == username, UserRow.active.is_(True)).values(presence=presence)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def get(self, username: str) -> UserRow | None:
        with self._db.session() as s:
            return s.scalars(select(UserRow).where(UserRow.username == username)).first()

    def staff(self, roles: tuple[str, ...] = ("expert",), branch_id: str | None = None) -> list[UserRow]:
        """Active staff with these roles (and branch, when given), by username."""
        query = select(UserRow).where(UserRow.role.in_(roles), UserRow.active.is_(True))
        if branch_id:
            query = query.where(UserRow.branch_id == branch_id)
        with self._db.session() as s:
            return list(s.scalars(query.order_by(UserRow.username)))
