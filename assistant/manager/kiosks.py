"""Every kiosk of a branch as the manager sees it: online, whether a customer is at it, the journey and step,
and whom the customer waits for.

Why derived from the session store: every replica writes each visit there, while a kiosk's socket lives on one
replica only. A kiosk counts as online while a visit is active on it or it was used within `kiosk_idle_s`; the
kiosks known from their device tokens show even when idle, so a silent kiosk is visible too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_, select

from assistant.store.db import Database
from assistant.store.sessions import as_utc
from assistant.store.tables import DeviceTokenRow, SessionRow


def masked_name(name: str | None) -> str | None:
    """A customer's name as a manager sees it: the first character, the rest hidden (刘洋 -> 刘*)."""
    if not name:
        return None
    return name[:1] + "*" * max(len(name) - 1, 1)


def kiosk_sessions(db: Database, branch: str, since: dt.datetime) -> tuple[list[str], list[SessionRow]]:
    """The branch's kiosk ids (from live device tokens) and its kiosk visits active now or touched since `since`,
    newest first."""
    with db.session() as s:
        tokens = s.scalars(
            select(DeviceTokenRow.device_id).where(
                DeviceTokenRow.branch_id == branch, DeviceTokenRow.revoked_at.is_(None)
            )
        ).all()
        rows = s.scalars(
            select(SessionRow)
            .where(
                SessionRow.branch_id == branch,
                SessionRow.channel == "kiosk",
                or_(SessionRow.status == "active", SessionRow.updated_at >= since),
            )
            .order_by(SessionRow.updated_at.desc())
        ).all()
    return sorted(set(tokens)), list(rows)


def waiting_for(
    session: SessionRow, handoff: dict[str, Any] | None, ticket: dict[str, Any] | None
) -> dict[str, Any] | None:
    """Whom the customer at the kiosk waits for, or None when the kiosk itself is serving them."""
    if session.status != "active":
        return None
    if handoff is not None:
        if handoff["status"] == "accepted":
            return {"who": "colleague", "served_by": handoff["assigned_to"], "handoff_id": handoff["id"]}
        who = "teller" if handoff["skill"] == "teller" else "expert"
        return {
            "who": who,
            "skill": handoff["skill"],
            "handoff_id": handoff["id"],
            "offered_to": handoff.get("offered_to"),
            "wait_s": handoff["wait_s"],
        }
    info = (session.state or {}).get("journey_info") or {}
    if info.get("status") == "waiting_authorization":
        return {"who": "authoriser"}
    if ticket is not None:
        counter = (session.state or {}).get("counter") or {}
        if ticket["called"]:
            return {"who": "counter", "ticket": ticket["number"], "counter": counter.get("counter"), "called": True}
        return {"who": "counter", "ticket": ticket["number"], "category": ticket.get("category"), "called": False}
    return None


def kiosk_rows(
    kiosk_ids: list[str],
    sessions: list[SessionRow],
    handoffs_by_session: dict[str, dict[str, Any]],
    tickets_by_session: dict[str, dict[str, Any]],
    now: dt.datetime,
    idle_s: float,
) -> list[dict[str, Any]]:
    """One row per kiosk: its latest visit (sessions come newest first), sorted by kiosk id."""
    latest: dict[str, SessionRow] = {}
    for session in sessions:
        if session.device_id and session.device_id not in latest:
            latest[session.device_id] = session
    out = []
    for kiosk in sorted(set(kiosk_ids) | set(latest)):
        row = latest.get(kiosk)
        last = as_utc(row.updated_at) if row is not None else None
        active = row is not None and row.status == "active"
        online = active or (last is not None and (now - last).total_seconds() <= idle_s)
        out.append(
            {
                "kiosk": kiosk,
                "online": online,
                "customer_present": active,
                "last_activity": last.isoformat() if last else None,
                "visit": _visit(row, handoffs_by_session, tickets_by_session, now) if row is not None else None,
            }
        )
    return out


def _visit(
    row: SessionRow,
    handoffs_by_session: dict[str, dict[str, Any]],
    tickets_by_session: dict[str, dict[str, Any]],
    now: dt.datetime,
) -> dict[str, Any]:
    state = row.state or {}
    info = state.get("journey_info") or {}
    customer = state.get("customer") or {}
    return {
        "session_id": row.id,
        "status": row.status,
        "started_at": as_utc(row.created_at).isoformat(),
        "duration_s": round(((as_utc(row.ended_at) if row.ended_at else now) - as_utc(row.created_at)).total_seconds()),
        "language": state.get("language", row.language),
        "customer": masked_name(customer.get("name")),
        "identified": bool(customer.get("customer_id")),
        "elderly": bool(customer.get("elderly")),
        "journey": info.get("name"),
        "step": info.get("step"),
        "journey_status": info.get("status"),
        "waiting_for": waiting_for(row, handoffs_by_session.get(row.id), tickets_by_session.get(row.id)),
    }
