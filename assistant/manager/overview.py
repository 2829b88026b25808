"""`build_overview`: the whole branch on one page for its manager, as JSON.

Each part comes from where it is kept: kiosks from the session store (`kiosks`), devices from the live device
picture or, without a broker, from the sandbox bank (`integrations.devices.wiring.device_overview`), the queue
from the bank and the tickets the kiosks issued, staff presence and skills from the users table, handoffs from
the handoff store, the orders summary (per state, overdue) from the bank's order tracking. A part whose source
fails is reported in `errors` and left empty: the manager still sees the rest. Customers are masked (a manager
sees 张*, never a full name or a number).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from sqlalchemy import select

from assistant.api.teller import branch_tickets
from assistant.conversation.dispatch import handoff_view
from assistant.conversation.dispatch_options import DispatchOptions
from assistant.manager.alerts import build_alerts
from assistant.manager.holds import DeviceHolds, unwrapped
from assistant.manager.kiosks import kiosk_rows, kiosk_sessions, masked_name
from assistant.manager.rules import AlertRules, alert_rules
from assistant.store.db import Database
from assistant.store.handoffs import PresenceStore
from assistant.store.sessions import as_utc
from assistant.store.tables import HandoffRow
from integrations.bundle import BankClients
from integrations.devices.wiring import device_overview
from integrations.errors import BankError

OPEN = ("queued", "accepted")


def open_handoffs(db: Database, branch: str, now: dt.datetime, aging_s: float) -> list[dict[str, Any]]:
    """The branch's queued and accepted handoffs, longest waiting first, customer names masked."""
    with db.session() as s:
        rows = s.scalars(select(HandoffRow).where(HandoffRow.branch_id == branch, HandoffRow.status.in_(OPEN))).all()
    views = [handoff_view(r, now, aging_s) for r in rows]
    for view in views:
        view["customer_name"] = masked_name(view.get("customer_name"))
    return sorted(views, key=lambda v: (v["status"] != "queued", -v["wait_s"]))


def staff_rows(db: Database, branch: str, handoffs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tellers of this branch and the remote experts: presence, skills and the handoffs each holds."""
    presence = PresenceStore(db)
    users = presence.staff(("teller",), branch) + presence.staff(("expert",))
    holding: dict[str, list[str]] = {}
    for h in handoffs:
        if h["status"] == "accepted" and h.get("assigned_to"):
            holding.setdefault(h["assigned_to"], []).append(h["id"])
    return [
        {
            "username": u.username,
            "display_name": u.display_name,
            "role": u.role,
            "branch_id": u.branch_id,
            "presence": u.presence,
            "skills": list(u.skills or []),
            "holding": holding.get(u.username, []),
        }
        for u in users
    ]


def queue_rows(
    bank_queue: list[dict[str, Any]], tickets: list[dict[str, Any]], now: dt.datetime
) -> list[dict[str, Any]]:
    """Per category: the bank's waiting count, windows and estimated wait, with the kiosk tickets still waiting
    (numbers and the longest wait) joined in."""
    by_category: dict[str, dict[str, Any]] = {}
    for c in bank_queue:
        by_category[c["category"]] = {**c, "tickets": [], "longest_wait_s": 0}
    for t in tickets:
        if t["called"]:
            continue
        row = by_category.setdefault(
            str(t.get("category") or "general"),
            {
                "category": t.get("category") or "general",
                "waiting": 0,
                "windows": 0,
                "estimated_wait_min": 0,
                "tickets": [],
                "longest_wait_s": 0,
            },
        )
        created = t.get("created_at")
        waited = (now - as_utc(dt.datetime.fromisoformat(created))).total_seconds() if isinstance(created, str) else 0
        row["tickets"].append({"number": t["number"], "session_id": t["session_id"], "wait_s": round(max(waited, 0))})
        row["longest_wait_s"] = max(row["longest_wait_s"], round(max(waited, 0)))
    return [by_category[k] for k in sorted(by_category)]


def device_rows(listed: list[dict[str, Any]], holds: DeviceHolds) -> list[dict[str, Any]]:
    """The device picture with the manager's holds shown: a held device reads `out-of-service` and unusable."""
    out = []
    for row in listed:
        hold = holds.get(row["device"])
        if hold is not None:
            row = {**row, "state": "out-of-service", "usable": False, "held": hold.to_dict()}
        else:
            row = {**row, "held": None}
        out.append(row)
    return out


async def build_overview(
    db: Database,
    bank: BankClients,
    holds: DeviceHolds,
    branch: str,
    *,
    rules: AlertRules | None = None,
    aging_s: float = DispatchOptions().aging_s,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    rules = rules or alert_rules()
    now = now or dt.datetime.now(dt.UTC)
    errors: list[dict[str, str]] = []
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)

    def from_store() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        handoffs = open_handoffs(db, branch, now, aging_s)
        tickets = branch_tickets(db, branch, day_start)
        kiosk_ids, sessions = kiosk_sessions(db, branch, now - dt.timedelta(seconds=rules.kiosk_idle_s))
        by_session = {h["session_id"]: h for h in reversed(handoffs)}  # an accepted one wins over a queued one
        tickets_by_session = {t["session_id"]: t for t in tickets}  # the latest ticket of a visit
        kiosks = kiosk_rows(kiosk_ids, sessions, by_session, tickets_by_session, now, rules.kiosk_idle_s)
        return kiosks, handoffs, tickets, staff_rows(db, branch, handoffs)

    kiosks, handoffs, tickets, staff = await asyncio.to_thread(from_store)
    try:
        bank_queue = (await bank.booking.queue(branch)).model_dump(mode="json")["categories"]
    except BankError as exc:
        bank_queue = []
        errors.append({"part": "queue", "error": str(exc)})
    try:  # order tracking (docs/orders.md): per state, and open ones past their deadline
        orders: dict[str, Any] | None = (await bank.orders.summary(branch)).model_dump(mode="json")
    except BankError as exc:
        orders = None
        errors.append({"part": "orders", "error": str(exc)})
    devices = device_rows(await device_overview(unwrapped(bank.devices), branch), holds)
    queue = queue_rows(bank_queue, tickets, now)
    return {
        "branch": branch,
        "at": now.isoformat(),
        "kiosks": kiosks,
        "devices": devices,
        "queue": queue,
        "staff": staff,
        "handoffs": handoffs,
        "orders": orders,
        "alerts": build_alerts(kiosks, devices, queue, handoffs, rules),
        "counts": {
            "kiosks_online": sum(k["online"] for k in kiosks),
            "customers_at_kiosks": sum(k["customer_present"] for k in kiosks),
            "devices_usable": sum(bool(d.get("usable")) for d in devices),
            "devices": len(devices),
            "waiting": sum(int(c.get("waiting") or 0) for c in queue),
            "handoffs_queued": sum(h["status"] == "queued" for h in handoffs),
            "staff_online": sum(s["presence"] != "offline" for s in staff),
            "orders_open": sum((orders or {}).get("counts", {}).get(k, 0) for k in ("reserved", "ready")),
            "orders_overdue": int((orders or {}).get("overdue") or 0),
        },
        "rules": {"handoff_wait_s": rules.handoff_wait_s, "queue_wait_s": rules.queue_wait_s},
        "errors": errors,
    }
