"""Creating a handoff to a human colleague, with the summary they need to pick the customer up.

Personal data in the summary is masked (staff consoles unmask with a reason, audited); the transcript
excerpt is the last few turns, so an expert sees what was said without scrolling.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.conversation.authorisation import pending_view
from assistant.conversation.dispatch import base_priority
from assistant.store.handoffs import HandoffStore
from assistant.store.sessions import SessionStore
from integrations.pii import mask_data, mask_text

TRANSCRIPT_EXCERPT_TURNS = 8


@dataclass(frozen=True)
class HandoffTicket:
    id: str
    skill: str
    priority: int
    position: int
    reason: str
    new: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "skill": self.skill,
            "priority": self.priority,
            "position": self.position,
            "reason": self.reason,
            "status": "queued" if self.position else "accepted",
        }


class HandoffDesk:
    """Opens (or finds) the session's handoff; one open handoff per session at a time."""

    def __init__(self, handoffs: HandoffStore, sessions: SessionStore) -> None:
        self._handoffs = handoffs
        self._sessions = sessions

    def request(
        self,
        session_id: str,
        reason: str,
        skill: str = "general",
        intent: str | None = None,
        slots: dict[str, Any] | None = None,
        customer: dict[str, Any] | None = None,
        risk: list[dict[str, Any]] | None = None,
        journey: dict[str, Any] | None = None,
        flow_summary: dict[str, Any] | None = None,
    ) -> HandoffTicket:
        existing = self._handoffs.open_for_session(session_id)
        if existing is not None:
            return HandoffTicket(
                existing.id,
                existing.skill,
                existing.priority,
                self._handoffs.position(existing.id),
                existing.reason,
                new=False,
            )
        session = self._sessions.get(session_id)
        priority = base_priority(reason, skill, customer, risk)  # risk, then complaints; elderly bonus
        turns = self._sessions.turns(session_id)[-TRANSCRIPT_EXCERPT_TURNS:]
        summary = {
            "reason": reason,
            "intent": intent,
            "slots": mask_data(slots or {}),
            "customer": mask_data(customer) if customer else None,
            "risk": risk or [],
            "journey": journey,
            "flow": mask_data(flow_summary) if flow_summary else None,
            "transcript": [{"speaker": t.speaker, "text": mask_text(t.text)} for t in turns],
        }
        row = self._handoffs.create(session_id, reason, skill, priority, summary, branch_id=session.branch_id)
        return HandoffTicket(row.id, skill, priority, self._handoffs.position(row.id), reason, new=True)

    def live_expert(self, session_id: str) -> str | None:
        """The colleague serving this session right now (an accepted handoff), or None.

        Why asked on every turn rather than kept in the session state: accepting and finishing happen on
        whichever replica the console talks to, and the handoff row is the one place both agree on."""
        row = self._handoffs.open_for_session(session_id)
        return row.assigned_to if row is not None and row.status == "accepted" else None


TICKET_OPERATIONS = ("queue_ticket", "check_in")


def session_context(sessions: SessionStore, session_id: str, reveal_balance: bool = True) -> dict[str, Any]:
    """What a colleague needs to serve this customer, personal data masked: the journey and what it is
    waiting for (`pending_authorization`: the facts of an authorisation; the balance itself only with
    `reveal_balance`), the customer as identified, the kiosk-filled form (slots), queue tickets, risk flags
    and the whole transcript. Read from the session's state and turns, so it works for any replica."""
    row = sessions.get(session_id)
    turns = sessions.turns(session_id)
    state = row.state or {}
    journey = state.get("journey") or {}
    awaiting = journey.get("awaiting") or {}
    form: dict[str, Any] = {}
    for turn in turns:
        if turn.speaker == "customer" and turn.slots:
            form.update(turn.slots)
    form.update(mask_data(journey.get("slots") or {}))
    form.pop("intent", None)
    tickets = [
        ticket_of(call, turn.seq)
        for turn in turns
        for call in (turn.backend_calls or [])
        if isinstance(call, dict) and call.get("operation") in TICKET_OPERATIONS and call.get("ok")
    ]
    risk = [
        {"seq": turn.seq, "speaker": turn.speaker, **flag}
        for turn in turns
        for flag in (turn.risk or [])
        if isinstance(flag, dict)
    ]
    return {
        "session": {
            "id": row.id,
            "channel": row.channel,
            "branch_id": row.branch_id,
            "device_id": row.device_id,
            "language": row.language,
            "status": row.status,
            "created_at": row.created_at.isoformat(),
        },
        "customer": mask_data(state.get("customer")) if state.get("customer") else None,
        "journey": {
            **(state.get("journey_info") or {}),
            "awaiting": mask_data(awaiting) if awaiting else None,
            "results": sorted((journey.get("results") or {}).keys()),
        }
        if state.get("journey_info")
        else None,
        "authorization": {"id": awaiting.get("id"), "status": "pending"}
        if awaiting.get("kind") == "authorization"
        else None,
        "pending_authorization": pending_view(state, risk, reveal_balance=reveal_balance),
        "form": form,
        "tickets": [t for t in tickets if t],
        "counter": state.get("counter"),
        "risk": risk,
        "transcript": [
            {
                "seq": t.seq,
                "speaker": t.speaker,
                "text": mask_text(t.text),
                "source": t.source,
                "intent": t.intent,
                "created_at": t.created_at.isoformat(),
            }
            for t in turns
        ],
    }


def ticket_of(call: dict[str, Any], seq: int) -> dict[str, Any] | None:
    """The queue ticket a back-end call issued (check-in answers carry it under `ticket`)."""
    result = call.get("result")
    if not isinstance(result, dict):
        return None
    nested = result.get("ticket")
    ticket: dict[str, Any] = nested if isinstance(nested, dict) else result
    if not ticket.get("number"):
        return None
    keys = ("id", "number", "branch_id", "category", "business_type", "waiting_ahead", "created_at")
    return {**{k: ticket.get(k) for k in keys}, "turn_seq": seq}
