"""Dispatch of handoffs to remote experts, with the branch's tellers as the fallback.

Why a dispatcher and not just a queue: customers who are elderly or at risk must be served first, a
handoff nobody takes must not wait for ever, and work should be spread fairly among the experts who are
online. The queue itself stays in the database (`HandoffStore`), so every replica sees the same one:

- priority: risk outranks a complaint, which outranks the rest; an elderly customer gets a bonus; and
  every minute of waiting adds a point (aging), so nobody starves behind a stream of urgent cases;
- skills: an expert serves the skills listed on their user record, plus `general`; tellers serve the
  `teller` skill of their own branch (the fallback);
- fairness: a new handoff is offered to the online expert with the skill who took the fewest handoffs
  in the last day (then the one idle longest); `next_for` skips handoffs freshly offered to someone else;
- timeout (settings `LOBBY_HANDOFF__*`, `dispatch_options.py`): an offer not taken in `offer_timeout_s`
  is offered to another expert (priority + 1) up to `max_offers` times; then, or when no expert with
  the skill is online, it falls back to the branch's tellers. Anyone allowed may still accept any
  handoff directly: exactly one wins (a conditional UPDATE).

Announcements go to the `handoffs` bus channel; wait times go to Prometheus.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Any

from prometheus_client import Counter, Gauge, Histogram

from assistant.conversation.dispatch_options import DispatchOptions
from assistant.events import EventBus
from assistant.logging import get_logger
from assistant.store.handoffs import HandoffStore, PresenceStore
from assistant.store.sessions import SessionStore, as_utc
from assistant.store.tables import HandoffRow, SessionRow, UserRow

log = get_logger("lobby.dispatch")

GENERAL = "general"
TELLER = "teller"
CHANNEL = "handoffs"
REASON_PRIORITY = {"risk": 10, "risk_hold": 10, "authorization": 8, "complaint": 5}  # a kiosk waits on an authorisation
RISK_SKILLS = {"risk", "risk_review"}
AUTHORIZATION_SKILL = "remote_verification"  # a journey's authorise step waits for a teller or remote expert
OpenHandoff = Callable[[SessionRow], Any]
ELDERLY_BONUS = 3

HANDOFF_WAIT = Histogram(
    "lobby_handoff_wait_seconds",
    "Time from a handoff's creation to its acceptance by a colleague",
    ["skill"],
    buckets=(5, 15, 30, 60, 120, 300, 600, 1200, 3600),
)
HANDOFFS_QUEUED = Gauge("lobby_handoffs_queued", "Handoffs waiting in the queue", ["skill"])
OLDEST_WAIT = Gauge("lobby_handoff_oldest_wait_seconds", "How long the oldest queued handoff has waited", ["skill"])
HANDOFF_TIMEOUTS = Counter(
    "lobby_handoff_timeouts_total", "Offers that timed out, by what happened next", ["outcome"]
)  # outcome: reoffered | teller


def base_priority(
    reason: str, skill: str = GENERAL, customer: dict[str, Any] | None = None, risk: list[Any] | None = None
) -> int:
    """Stored priority of a new handoff: risk first, then complaints; elderly customers get a bonus."""
    priority = REASON_PRIORITY.get(reason, 0)
    if skill in RISK_SKILLS or reason.startswith("risk") or any(_is_risky(r) for r in risk or []):
        priority = max(priority, REASON_PRIORITY["risk"])
    if customer and customer.get("elderly"):
        priority += ELDERLY_BONUS
    return priority


def _is_risky(flag: Any) -> bool:
    if not isinstance(flag, dict):
        return False
    action = flag.get("action") or flag.get("decision")
    return action in ("warn", "hold", "block")


def waited_s(row: HandoffRow, now: dt.datetime) -> float:
    return max(0.0, (now - as_utc(row.created_at)).total_seconds())


def can_serve(user: UserRow | None, role: str, branch_id: str | None, row: HandoffRow) -> bool:
    """Whether this colleague may take the handoff: admins always; tellers the fallback of their branch;
    experts their skills and `general` (and the teller fallback too, so nothing is stranded)."""
    if role == "admin":
        return True
    if role == "teller":
        return row.skill == TELLER and (row.branch_id is None or branch_id is None or branch_id == row.branch_id)
    if role == "expert":
        skills = set(user.skills or []) if user is not None else set()
        return row.skill in (GENERAL, TELLER) or row.skill in skills or "*" in skills
    return False


def handoff_view(row: HandoffRow, now: dt.datetime, aging_s: float = DispatchOptions().aging_s) -> dict[str, Any]:
    """The JSON a console shows for a handoff (no personal data beyond the masked summary's name)."""
    summary = row.summary or {}
    customer = summary.get("customer") or {}
    dispatch = summary.get("dispatch") or {}
    wait = waited_s(row, now) if row.status == "queued" else _between(row.created_at, row.accepted_at)
    return {
        "id": row.id,
        "session_id": row.session_id,
        "branch_id": row.branch_id,
        "reason": row.reason,
        "skill": row.skill,
        "priority": row.priority,
        "score": round(row.priority + (wait / aging_s if row.status == "queued" else 0.0), 2),
        "status": row.status,
        "assigned_to": row.assigned_to,
        "elderly": bool(customer.get("elderly")),
        "risk": any(_is_risky(r) for r in summary.get("risk") or [])
        or row.skill in RISK_SKILLS
        or row.reason.startswith("risk"),
        "intent": summary.get("intent"),
        "journey": summary.get("journey"),
        "customer_name": customer.get("name"),
        "offered_to": dispatch.get("offered_to"),
        "escalated": bool(dispatch.get("escalated_at")),
        "escalated_at": dispatch.get("escalated_at"),
        "closed_reason": (summary.get("closed") or {}).get("reason"),
        "fallback_from": dispatch.get("fallback_from"),
        "wait_s": round(wait, 1),
        "created_at": as_utc(row.created_at).isoformat(),
        "accepted_at": as_utc(row.accepted_at).isoformat() if row.accepted_at else None,
        "finished_at": as_utc(row.finished_at).isoformat() if row.finished_at else None,
    }


def _between(start: dt.datetime, end: dt.datetime | None) -> float:
    return (as_utc(end) - as_utc(start)).total_seconds() if end else 0.0


class Dispatcher:
    """Orders, offers and times out handoffs; `run()` is its background loop (one per process)."""

    def __init__(
        self,
        handoffs: HandoffStore,
        presence: PresenceStore,
        events: EventBus,
        options: DispatchOptions | None = None,
        open_handoff: OpenHandoff | None = None,
        sessions: SessionStore | None = None,
    ) -> None:
        """`open_handoff` asks a colleague for a session whose journey waits for an authorisation."""
        self.handoffs = handoffs
        self.presence = presence
        self.events = events
        self.options = options or DispatchOptions()
        self.open_handoff = open_handoff
        self.sessions = sessions  # for telling kiosks that wait too long for an authorisation
        self._task: asyncio.Task[None] | None = None

    # -- ordering and fairness ----------------------------------------------------------------------

    def ordered(self, rows: list[HandoffRow], now: dt.datetime | None = None) -> list[HandoffRow]:
        """Serving order: stored priority plus aging, then first come."""
        now = now or dt.datetime.now(dt.UTC)
        return sorted(
            rows, key=lambda r: (-(r.priority + waited_s(r, now) / self.options.aging_s), as_utc(r.created_at))
        )

    def queue_for(
        self, username: str, role: str, branch_id: str | None, skill: str | None = None
    ) -> list[dict[str, Any]]:
        """Queued handoffs this colleague may take, in serving order (optionally one skill only)."""
        now = dt.datetime.now(dt.UTC)
        user = self.presence.get(username)
        rows = [r for r in self.handoffs.queue(skill) if can_serve(user, role, branch_id, r)]
        return [handoff_view(r, now, self.options.aging_s) for r in self.ordered(rows, now)]

    def next_for(self, username: str, role: str, branch_id: str | None) -> HandoffRow | None:
        """The best handoff for this colleague, skipping ones freshly offered to another colleague."""
        now = dt.datetime.now(dt.UTC)
        user = self.presence.get(username)
        for row in self.ordered([r for r in self.handoffs.queue() if can_serve(user, role, branch_id, r)], now):
            dispatch = (row.summary or {}).get("dispatch") or {}
            offered, at = dispatch.get("offered_to"), dispatch.get("offered_at")
            fresh = (
                at is not None and (now - dt.datetime.fromisoformat(at)).total_seconds() < self.options.offer_timeout_s
            )
            if offered and offered != username and fresh:
                continue
            return row
        return None

    def pick_expert(self, row: HandoffRow, exclude: set[str] | None = None) -> str | None:
        """The online expert with the skill who has the least load (accepted lately + open offers), then the
        one idle longest."""
        since = dt.datetime.now(dt.UTC) - dt.timedelta(hours=self.options.fairness_window_h)
        candidates = [
            u
            for u in self.presence.staff(("expert",))
            if u.presence == "online" and u.username not in (exclude or set()) and can_serve(u, "expert", None, row)
        ]
        if not candidates:
            return None
        taken: dict[str, int] = {}  # handoffs accepted lately plus offers still open: the colleague's load
        last: dict[str, dt.datetime] = {}
        for q in self.handoffs.queue():
            offered = ((q.summary or {}).get("dispatch") or {}).get("offered_to")
            if offered and q.id != row.id:
                taken[offered] = taken.get(offered, 0) + 1
        for h in self.handoffs.accepted_since(since):
            if h.assigned_to and h.accepted_at:
                taken[h.assigned_to] = taken.get(h.assigned_to, 0) + 1
                last[h.assigned_to] = max(last.get(h.assigned_to, since), as_utc(h.accepted_at))
        best = min(candidates, key=lambda u: (taken.get(u.username, 0), last.get(u.username, since), u.username))
        return best.username

    # -- accept and finish --------------------------------------------------------------------------

    def accept(self, handoff_id: str, username: str) -> bool:
        """Take the handoff (exactly one colleague wins); the winner's presence becomes busy."""
        if not self.handoffs.accept(handoff_id, username):
            return False
        row = self.handoffs.get(handoff_id)
        HANDOFF_WAIT.labels(row.skill).observe(_between(row.created_at, row.accepted_at))
        self.presence.set(username, "busy")
        return True

    def finish(self, handoff_id: str, username: str) -> None:
        """Close it; the colleague is online again once nothing else is assigned to them."""
        self.handoffs.close(handoff_id, "finished")
        if not self.handoffs.assigned_to(username):
            self.presence.set(username, "online")

    # -- the loop: offers, timeouts, gauges ---------------------------------------------------------

    def _offer(self, row: HandoffRow, now: dt.datetime) -> tuple[str, HandoffRow] | None:
        """Decide what to do with one queued handoff; returns (what happened, the updated row) or None."""
        dispatch = dict((row.summary or {}).get("dispatch") or {})
        offered_at = dispatch.get("offered_at")
        if offered_at is None:
            target = self.pick_expert(row)
            dispatch.update(offered_to=target, offered_at=now.isoformat(), offers=1)
            return self._redirect(row, row.skill, row.priority, dispatch, "offered")
        if (now - dt.datetime.fromisoformat(offered_at)).total_seconds() < self.options.offer_timeout_s:
            return None
        if row.skill == TELLER:
            return None  # already with the branch's tellers: it waits for them
        offers = int(dispatch.get("offers", 1))
        previous = {str(dispatch["offered_to"])} if dispatch.get("offered_to") else set()
        target = self.pick_expert(row, exclude=previous) if offers < self.options.max_offers else None
        if target is not None:
            HANDOFF_TIMEOUTS.labels("reoffered").inc()
            dispatch.update(offered_to=target, offered_at=now.isoformat(), offers=offers + 1)
            return self._redirect(row, row.skill, row.priority + 1, dispatch, "reoffered")
        HANDOFF_TIMEOUTS.labels("teller").inc()
        dispatch.update(offered_to=None, offered_at=now.isoformat(), offers=offers + 1, fallback_from=row.skill)
        return self._redirect(row, TELLER, row.priority + 1, dispatch, "teller")

    def _redirect(
        self, row: HandoffRow, skill: str, priority: int, dispatch: dict[str, Any], what: str
    ) -> tuple[str, HandoffRow] | None:
        if not self.handoffs.redirect(row.id, skill, priority, dispatch):
            return None
        return what, self.handoffs.get(row.id)

    def sweep(self, now: dt.datetime | None = None) -> list[tuple[str, HandoffRow]]:
        """One pass over the queue (sync; the loop runs it off the event loop): offers and timeouts,
        and the queue gauges."""
        now = now or dt.datetime.now(dt.UTC)
        if self.open_handoff is not None:
            since = now - dt.timedelta(seconds=self.options.awaiting_window_s)
            for session in self.handoffs.awaiting_staff(since):
                try:
                    self.open_handoff(session)
                except Exception as exc:  # one broken session must not stop dispatching for the rest
                    log.warning("authorization_handoff_failed", session_id=session.id, error=str(exc))
        queued = self.handoffs.queue()
        changed = [c for c in (self._offer(r, now) for r in queued) if c is not None]
        counts: dict[str, int] = {}
        oldest: dict[str, float] = {}
        for row in self.handoffs.queue():
            counts[row.skill] = counts.get(row.skill, 0) + 1
            oldest[row.skill] = max(oldest.get(row.skill, 0.0), waited_s(row, now))
        HANDOFFS_QUEUED.clear()
        OLDEST_WAIT.clear()
        for skill, count in counts.items():
            HANDOFFS_QUEUED.labels(skill).set(count)
            OLDEST_WAIT.labels(skill).set(oldest[skill])
        return changed

    def hygiene(self, now: dt.datetime) -> tuple[list[tuple[str, HandoffRow]], list[tuple[str, dict[str, Any]]]]:
        """Closes handoffs of ended visits, escalates long waits, tells kiosks waiting too long for an
        authorisation (`queue_hygiene`); -> (changed handoffs, (session id, turn) to push to kiosks)."""
        from assistant.conversation import queue_hygiene as qh

        changed = [("closed", r) for r in qh.close_ended_visits(self)]
        if self.sessions is not None:
            changed += [("closed", r) for r in qh.close_withdrawn_authorizations(self, self.sessions)]
        changed += [("escalated", r) for r in qh.escalate(self, now)]
        told: list[tuple[str, dict[str, Any]]] = []
        if self.sessions is not None:
            since = now - dt.timedelta(seconds=self.options.awaiting_window_s)
            waiting = self.handoffs.waiting_authorization(since)
            told = qh.overdue_authorizations(self.sessions, waiting, now, self.options.authorization_timeout_s)
        return changed, told

    async def tick(self, now: dt.datetime | None = None) -> list[tuple[str, HandoffRow]]:
        now = now or dt.datetime.now(dt.UTC)
        try:
            cleaned, told = await asyncio.to_thread(self.hygiene, now)
        except Exception as exc:  # hygiene must not stop offering; the next pass retries
            log.warning("queue_hygiene_failed", error=str(exc))
            cleaned, told = [], []
        for what, row in cleaned:
            view = handoff_view(row, now, self.options.aging_s)
            kind = "handoff_closed" if what == "closed" else "handoff_escalated"
            await self.events.publish(CHANNEL, {"type": kind, "reason": what, "handoff": view})
        for session_id, turn in told:
            await self.events.publish(f"session:{session_id}", {"type": "turn", "turn": turn})
        changed = await asyncio.to_thread(self.sweep, now)
        for what, row in changed:
            view = handoff_view(row, now, self.options.aging_s)
            await self.events.publish(CHANNEL, {"type": "handoff_created", "dispatch": what, "handoff": view})
        return changed

    async def run(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception as exc:  # a database hiccup must not stop dispatching; the next pass retries
                log.warning("dispatch_pass_failed", error=str(exc))
            await asyncio.sleep(self.options.poll_s)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self.run(), name="handoff-dispatch")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None


def start_dispatch(
    handoffs: HandoffStore, db: Any, events: EventBus, options: DispatchOptions | None = None
) -> Dispatcher:
    """A dispatcher over this process's stores with its loop running (the app's lifespan stops it)."""
    from assistant.conversation.handoffs import HandoffDesk  # it imports this module for priorities

    desk_sessions = SessionStore(db)
    desk = HandoffDesk(handoffs, desk_sessions)

    def open_handoff(session: SessionRow) -> None:
        state = session.state or {}
        desk.request(
            session.id,
            "authorization",
            AUTHORIZATION_SKILL,
            None,
            {},
            state.get("customer"),
            None,
            state.get("journey_info"),
        )

    dispatcher = Dispatcher(handoffs, PresenceStore(db), events, options, open_handoff, desk_sessions)
    dispatcher.start()
    return dispatcher
