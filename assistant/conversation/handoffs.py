"""Creating a handoff to a human colleague, with the summary they need to pick the customer up.

Personal data in the summary is masked (staff consoles unmask with a reason, audited); the transcript
excerpt is the last few turns, so an expert sees what was said without scrolling.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.store.handoffs import HandoffStore
from assistant.store.sessions import SessionStore
from integrations.pii import mask_data, mask_text

TRANSCRIPT_EXCERPT_TURNS = 8

# Priority: higher is served first. Risk outranks an elderly customer, who outranks the rest.
PRIORITY = {"risk": 10, "complaint": 5, "requested": 0, "low_confidence": 0, "flow": 0}
ELDERLY_BONUS = 3


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
        priority = PRIORITY.get(reason, 0)
        if customer and customer.get("elderly"):
            priority += ELDERLY_BONUS
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
