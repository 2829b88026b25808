"""The branch manager's actions, each checked before it changes anything (the caller audits it):

- `instruct`: a message to one teller or expert, on that colleague's staff sockets;
- `reassign`: a queued or accepted handoff offered to a named colleague (an accepted one is released first; to
  a teller it becomes the branch's teller fallback, since tellers serve only that skill);
- `call_ticket`: a kiosk ticket called to a counter (marked on the visit like a teller's call, then at the bank).

Refusals are `ActionRefused(status, detail)`; the API turns them into HTTP errors.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from assistant.api.teller import branch_tickets, call_key
from assistant.conversation.dispatch import CHANNEL, TELLER, Dispatcher, can_serve, handoff_view
from assistant.events import EventBus
from assistant.manager.live import staff_channel
from assistant.store.db import Database
from assistant.store.handoffs import HandoffNotFound, PresenceStore
from assistant.store.sessions import SessionStore, StaleSession
from assistant.store.tables import HandoffRow, UserRow
from integrations.bundle import BankClients
from integrations.errors import BankError

TARGET_ROLES = ("teller", "expert")


class ActionRefused(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def colleague(db: Database, username: str) -> UserRow:
    """An active teller or expert, or a refusal (404 unknown, 422 not someone who serves customers)."""
    user = PresenceStore(db).get(username)
    if user is None or not user.active:
        raise ActionRefused(404, f"no active colleague {username!r}")
    if user.role not in TARGET_ROLES:
        raise ActionRefused(422, f"{username} is a {user.role}: instructions go to tellers and experts")
    return user


def instruction(sender: str, sender_name: str | None, text: str, handoff_id: str | None = None) -> dict[str, Any]:
    return {
        "type": "instruction",
        "id": uuid.uuid4().hex[:12],
        "from": sender,
        "from_name": sender_name or sender,
        "text": text,
        "handoff_id": handoff_id,
        "at": dt.datetime.now(dt.UTC).isoformat(),
    }


async def instruct(events: EventBus, to: str, message: dict[str, Any]) -> None:
    await events.publish(staff_channel(to), {**message, "to": to})


def plan_reassign(dispatch: Dispatcher, handoff_id: str, target: UserRow, by: str) -> HandoffRow:
    """Offer the handoff to `target` (releasing it from its holder first); returns the updated row."""
    try:
        row = dispatch.handoffs.get(handoff_id)
    except HandoffNotFound:
        raise ActionRefused(404, f"handoff {handoff_id} not found") from None
    if row.status not in ("queued", "accepted"):
        raise ActionRefused(409, f"handoff {handoff_id} is {row.status}")
    if row.status == "accepted":
        if row.assigned_to == target.username:
            raise ActionRefused(409, f"{target.username} already holds handoff {handoff_id}")
        holder = row.assigned_to or ""
        if not dispatch.handoffs.release(handoff_id, holder):
            raise ActionRefused(409, f"handoff {handoff_id} changed meanwhile; try again")
        if not dispatch.handoffs.assigned_to(holder):
            dispatch.presence.set(holder, "online")
        row = dispatch.handoffs.get(handoff_id)
    skill = TELLER if target.role == "teller" else row.skill
    probe = HandoffRow(id=row.id, session_id=row.session_id, branch_id=row.branch_id, skill=skill, reason=row.reason)
    if not can_serve(target, target.role, target.branch_id, probe):
        raise ActionRefused(422, f"{target.username} does not serve the skill {row.skill!r}")
    notes = dict((row.summary or {}).get("dispatch") or {})
    now = dt.datetime.now(dt.UTC)
    notes.update(offered_to=target.username, offered_at=now.isoformat(), reassigned_by=by)
    notes["offers"] = int(notes.get("offers", 0)) + 1
    if skill != row.skill:
        notes["fallback_from"] = row.skill
    if not dispatch.handoffs.redirect(handoff_id, skill, row.priority, notes):
        raise ActionRefused(409, f"handoff {handoff_id} was taken or closed meanwhile")
    return dispatch.handoffs.get(handoff_id)


async def announce_reassigned(dispatch: Dispatcher, row: HandoffRow) -> dict[str, Any]:
    view = handoff_view(row, dt.datetime.now(dt.UTC), dispatch.options.aging_s)
    await dispatch.events.publish(CHANNEL, {"type": "handoff_created", "dispatch": "reassigned", "handoff": view})
    return view


def mark_ticket_called(
    db: Database, sessions: SessionStore, branch: str, number: str, counter: str, called_by: str
) -> dict[str, Any]:
    """Mark one waiting kiosk ticket as called to `counter` (compare-and-set on the visit, like a teller's
    call: a ticket is never called twice). Returns the ticket."""
    wanted = number.strip().upper()
    today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    found = [t for t in branch_tickets(db, branch, today) if str(t["number"]).upper() == wanted]
    if not found:
        raise ActionRefused(404, f"no kiosk ticket {wanted} today at {branch}")
    ticket = found[-1]
    if ticket["called"]:
        raise ActionRefused(409, f"ticket {wanted} was already called to counter {ticket['counter'].get('counter')}")
    row = sessions.get(ticket["session_id"])
    mark = {
        "ticket": ticket["number"],
        "counter": counter,
        "called_by": called_by,
        "called_at": dt.datetime.now(dt.UTC).isoformat(),
    }
    try:
        sessions.save_state(row.id, {**(row.state or {}), "counter": mark}, expected_version=row.version)
    except StaleSession:
        raise ActionRefused(409, f"ticket {wanted}'s visit changed meanwhile; try again") from None
    return {**ticket, "called": True, "counter": mark}


async def tell_bank(bank: BankClients, branch: str, ticket: dict[str, Any], counter: str) -> dict[str, Any]:
    """Call the ticket at the bank too (same key as a teller's call, so it is never called there twice)."""
    try:
        await bank.booking.call_ticket(branch, ticket["number"], counter, idempotency_key=call_key(branch, ticket))
    except BankError as exc:
        return {"bank_called": False, "bank_call_error": str(exc)}
    return {"bank_called": True, "bank_call_error": None}
