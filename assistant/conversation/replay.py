"""A turn sent again after its answer was lost is answered with the stored answer, not applied twice.

During a database restart a turn can be processed and committed while its answer never reaches the client
(the connection drops at COMMIT), or be refused with a 503 after the journey moved in memory. A client that
resends the turn with the same `turn_id` then gets the answer of the turn that counted, instead of a second
application to a state it already changed ("确认" again after a completed transfer read as a new visit). The
last answer lives in the session's state, saved in the same transaction as the turn itself.
"""

from __future__ import annotations

from typing import Any

from assistant.conversation.schemas import TurnOut

LAST_TURN = "last_turn"


def replayed(state: dict[str, Any], turn_id: str | None) -> TurnOut | None:
    """The stored answer when `turn_id` is the session's last turn, else None."""
    last = state.get(LAST_TURN)
    if not turn_id or not isinstance(last, dict) or last.get("id") != turn_id:
        return None
    return TurnOut.model_validate(last["out"])


def remember(state: dict[str, Any], turn_id: str | None, out: TurnOut) -> None:
    """Keep this turn's answer for a resend (only turns that carry an id; one answer per session)."""
    if turn_id:
        state[LAST_TURN] = {"id": turn_id, "out": out.model_dump(mode="json")}
    else:
        state.pop(LAST_TURN, None)
