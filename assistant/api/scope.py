"""Which customer sessions a caller may touch, beyond the roles a route lets through.

A route's roles (`require`) say what kind of work a caller does; this says on whose session. Each role
reaches only what its work needs:

- kiosk: the sessions it started (another device's answer 404, as if they did not exist);
- teller: talks in the counter sessions it opened, and reads those, the customer it called to its counter
  (the latest ticket it called today) and the sessions of the handoffs it holds. It never posts into a
  kiosk's session: what a customer says at the kiosk comes from the kiosk;
- expert: reads the sessions of the handoffs it holds (accepted, or accepted and finished; not one it
  released or only saw in the queue);
- supervisor: reads every session (review); admin: everything.

Staff refused here get 403 and an `access_denied` audit record (who, which session, what they tried).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from fastapi import HTTPException, Request, status
from sqlalchemy import select

from assistant.auth import Principal
from assistant.store.db import Database
from assistant.store.handoffs import HandoffStore
from assistant.store.tables import SessionRow

DENIED = "access_denied"
OPENED_BY = "opened_by"  # the state key naming the teller who opened a counter session


def today() -> dt.datetime:
    """Midnight UTC: the start of a counter's working day."""
    now = dt.datetime.now(dt.UTC)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def serving_session(db: Database, username: str, since: dt.datetime) -> str | None:
    """The session of the customer this teller called to the counter last since `since` (blocking)."""
    query = select(SessionRow.id, SessionRow.state).where(SessionRow.updated_at >= since)
    best: tuple[str, str] | None = None
    with db.session() as s:
        for session_id, state in s.execute(query):
            counter = (state or {}).get("counter") or {}
            if counter.get("called_by") == username:
                at = str(counter.get("called_at") or "")
                if best is None or at > best[0]:
                    best = (at, session_id)
    return best[1] if best else None


def may_converse(who: Principal, row: SessionRow) -> bool:
    """Whether `who` may speak for the customer in this session (turns, events, ending it)."""
    if who.role == "admin":
        return True
    if who.kind == "device":
        return row.device_id == who.device_id
    if who.role == "teller":
        return row.channel == "teller" and (row.state or {}).get(OPENED_BY) == who.subject
    return False


def _may_read(who: Principal, row: SessionRow, db: Database, handoffs: HandoffStore) -> bool:
    """Whether `who` may read the session (blocking: may look at handoffs and the counter)."""
    if who.role in ("admin", "supervisor") or may_converse(who, row):
        return True
    if who.kind == "device" or who.role not in ("teller", "expert"):
        return False
    if handoffs.held_by(row.id, who.subject):
        return True
    return who.role == "teller" and serving_session(db, who.subject, today()) == row.id


async def audit_denied(request: Request, who: Principal, subject: str, reason: str) -> None:
    """Record a refused attempt on a customer's data, so a supervisor sees who tried what."""
    audit = getattr(request.app.state, "audit", None)
    if audit is None:
        return
    details: dict[str, Any] = {"method": request.method, "path": request.url.path, "reason": reason}
    await asyncio.to_thread(audit.record, who.subject, who.role, DENIED, subject, details)


async def check_session(request: Request, who: Principal, row: SessionRow, *, converse: bool) -> None:
    """Raise unless `who` may read (or, with `converse`, speak in) the session `row`; audit a refusal."""
    if converse:
        allowed = may_converse(who, row)
    else:
        handoffs: HandoffStore = request.app.state.handoffs
        allowed = await asyncio.to_thread(_may_read, who, row, request.app.state.db, handoffs)
    if allowed:
        return
    reason = "speak in a session not its own" if converse else "read a session it does not serve"
    await audit_denied(request, who, row.id, reason)
    if who.kind == "device":
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"session {row.id} not found")
    raise HTTPException(status.HTTP_403_FORBIDDEN, "this session is not one you serve")
