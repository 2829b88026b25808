"""Keeping the handoff queue honest: visits that ended, waits that are too long, kiosks left waiting.

Why: a handoff of a customer who has left stayed queued and could be accepted (the expert then talked to
nobody); a long wait went unnoticed; and a kiosk waiting for an authorisation spun for ever. The
dispatcher's loop runs these on every pass (one per replica; every step is a conditional UPDATE or a
versioned state write, so two replicas doing the same pass at once change each thing once):

- a handoff whose session has ended (explicit end, idle expiry) is cancelled with `closed.reason =
  visit_ended`; accepting it or acting on it then answers 410;
- a queued authorisation handoff whose session no longer waits for one is cancelled
  (`authorization_withdrawn`);
- a handoff queued longer than `LOBBY_HANDOFF__ESCALATE_AFTER_S` is escalated once: flagged on its queue
  entry (`escalated`), ranked higher, offered again (to another expert), and announced on the staff socket
  (`handoff_escalated`) so consoles can alert;
- a session waiting for an authorisation longer than `LOBBY_HANDOFF__AUTHORIZATION_TIMEOUT_S` tells the
  customer, once, in plain words, that they can cancel or ask at the counter instead of waiting.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from assistant.conversation.authorisation import TIMEOUT_KEY, facts_of, timeout_words
from assistant.logging import get_logger
from assistant.store.sessions import NewTurn, SessionStore, StaleSession, as_utc
from assistant.store.tables import HandoffRow

if TYPE_CHECKING:
    from assistant.conversation.dispatch import Dispatcher

log = get_logger("lobby.queue_hygiene")

VISIT_ENDED = "visit_ended"
AUTHORIZATION_WITHDRAWN = "authorization_withdrawn"
CLOSED_REASONS = {  # why a handoff was closed, as a colleague acting on it is told (410)
    VISIT_ENDED: "the customer's visit has ended, so this handoff was closed; nobody is waiting",
    AUTHORIZATION_WITHDRAWN: "the customer no longer waits for this authorisation (cancelled or moved on)",
}
ESCALATION_BONUS = 3  # priority points an escalated handoff gains: ahead of fresh ones of its kind


def _release_colleague(dispatcher: Dispatcher, row: HandoffRow) -> None:
    if row.assigned_to and not dispatcher.handoffs.assigned_to(row.assigned_to):
        dispatcher.presence.set(row.assigned_to, "online")


def close_ended_visits(dispatcher: Dispatcher) -> list[HandoffRow]:
    """Cancel the open handoffs of ended sessions; the colleagues holding them are free again."""
    closed = []
    for row in dispatcher.handoffs.of_ended_sessions():
        done = dispatcher.handoffs.close_with(row.id, VISIT_ENDED)
        if done is not None:
            _release_colleague(dispatcher, done)
            closed.append(done)
    return closed


def close_withdrawn_authorizations(dispatcher: Dispatcher, sessions: SessionStore) -> list[HandoffRow]:
    """Cancel queued authorisation handoffs whose session no longer waits for one (the customer cancelled,
    or the journey moved on): nobody should be asked to decide what is no longer asked for."""
    closed = []
    for row in dispatcher.handoffs.queue():
        if row.reason != "authorization":
            continue
        state = sessions.get(row.session_id).state or {}
        if (state.get("journey_info") or {}).get("status") == "waiting_authorization":
            continue
        done = dispatcher.handoffs.close_with(row.id, AUTHORIZATION_WITHDRAWN)
        if done is not None:
            closed.append(done)
    return closed


def close_if_visit_ended(dispatcher: Dispatcher, sessions: SessionStore, row: HandoffRow) -> HandoffRow | None:
    """The same check for one handoff, at the moment a colleague acts on it (the loop may not have run)."""
    if row.status not in ("queued", "accepted") or sessions.get(row.session_id).status != "ended":
        return None
    done = dispatcher.handoffs.close_with(row.id, VISIT_ENDED)
    if done is not None:
        _release_colleague(dispatcher, done)
    return done


def escalate(dispatcher: Dispatcher, now: dt.datetime) -> list[HandoffRow]:
    """Flag, rank up and offer again every handoff queued longer than the escalation setting (once)."""
    limit = dispatcher.options.escalate_after_s
    escalated = []
    for row in dispatcher.handoffs.queue():
        dispatch: dict[str, Any] = dict((row.summary or {}).get("dispatch") or {})
        if dispatch.get("escalated_at") or (now - as_utc(row.created_at)).total_seconds() < limit:
            continue
        previous = {str(dispatch["offered_to"])} if dispatch.get("offered_to") else set()
        target = dispatcher.pick_expert(row, exclude=previous) or dispatcher.pick_expert(row)
        dispatch.update(
            escalated_at=now.isoformat(),
            offered_to=target,
            offered_at=now.isoformat(),
            offers=int(dispatch.get("offers", 0)) + 1,
        )
        if dispatcher.handoffs.redirect(row.id, row.skill, row.priority + ESCALATION_BONUS, dispatch):
            escalated.append(dispatcher.handoffs.get(row.id))
    return escalated


def overdue_authorizations(sessions: SessionStore, candidates: list[Any], now: dt.datetime, limit_s: float) -> list:
    """Tell each customer whose kiosk has waited for an authorisation longer than `limit_s` what they can
    do; returns (session id, turn dict) for the kiosks to be told over the bus."""
    told = []
    for session in candidates:
        state = dict(session.state or {})
        facts = facts_of(state)
        if facts is None or not facts.get("raised_at"):
            continue
        if (state.get(TIMEOUT_KEY) or {}).get("id") == facts["authorization_id"]:
            continue  # told once per authorisation
        waited = (now - dt.datetime.fromisoformat(str(facts["raised_at"]))).total_seconds()
        if waited < limit_s:
            continue
        language = str(state.get("language") or session.language or "zh")
        text, options = timeout_words(language)
        state[TIMEOUT_KEY] = {"id": facts["authorization_id"], "at": now.isoformat()}
        try:
            sessions.record(
                session.id,
                [NewTurn("assistant", text, "system", intent="authorization_timeout")],
                state,
                session.version,
            )
        except StaleSession:
            continue  # the customer spoke meanwhile: the next pass looks again
        journey = state.get("journey_info")
        told.append(
            (
                session.id,
                {
                    "reply": {
                        "text": text,
                        "language": "en" if language.startswith("en") else "zh",
                        "citations": [],
                        "cards": [],
                        "suggestions": options,
                        "speech": None,
                    },
                    "journey": journey,
                    "intent": "authorization_timeout",
                },
            )
        )
        log.info("authorization_timeout_told", session_id=session.id, waited_s=round(waited))
    return told
