"""The remote expert's side of a handoff (`/api/v1/handoffs`): queue, context, accept, talk, authorise, finish.

Accepting is one conditional UPDATE, so when two colleagues accept at the same moment exactly one wins
(the other gets 409). Everything the expert does reaches the kiosk over the bus (`session:{id}`) and
is recorded: messages as `expert` turns, decisions as `staff` turns plus an `authorization_decide` audit
record, acceptance as `handoff_accept`. Only the colleague a handoff is assigned to may act on it or
read its customer's context; others who may take it see a preview (refusals are audited).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from pydantic import BaseModel, Field

from assistant.api import scope
from assistant.auth import Principal, require
from assistant.conversation.authorisation import NOTE, decision_words, pending_view
from assistant.conversation.dispatch import CHANNEL, Dispatcher, can_serve, handoff_view
from assistant.conversation.guard import InputRejected
from assistant.conversation.handoffs import session_context
from assistant.conversation.queue_hygiene import CLOSED_REASONS, close_if_visit_ended
from assistant.conversation.service import ConversationService, SessionEnded
from assistant.events import EventBus
from assistant.store.handoffs import HandoffNotFound
from assistant.store.sessions import NewTurn, SessionNotFound, SessionStore, StaleSession
from assistant.store.tables import HandoffRow
from integrations.bundle import BankClients
from integrations.errors import BankError, BankUnavailable
from integrations.pii import mask_data

router = APIRouter(prefix="/api/v1/handoffs", tags=["handoffs"])

Taker = Annotated[Principal, Depends(require("expert", "teller"))]
Viewer = Annotated[Principal, Depends(require("expert", "teller", "supervisor"))]
# What a colleague sees of a queued handoff before taking it: why and what for, not the customer.
PREVIEW_KEYS = ("reason", "intent", "journey", "risk")


def _dispatcher(request: Request) -> Dispatcher:
    dispatcher: Dispatcher = request.app.state.dispatch
    return dispatcher


DispatchDep = Annotated[Dispatcher, Depends(_dispatcher)]


class PresenceIn(BaseModel):
    presence: Literal["online", "busy", "offline"]


class MessageIn(BaseModel):
    text: str = Field(..., min_length=1, max_length=1000)
    speak: bool = Field(True, description="The avatar speaks it; otherwise it shows as the expert's own bubble.")


class DecisionIn(BaseModel):
    decision: Literal["approve", "reject"]
    note: str = Field("", max_length=500)


@contextmanager
def _http_errors() -> Iterator[None]:
    try:
        yield
    except HandoffNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"handoff {exc.args[0]} not found") from None
    except SessionNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"session {exc.args[0]} not found") from None
    except SessionEnded as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, f"session {exc.args[0]} has ended") from None
    except (InputRejected, StaleSession) as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None


async def record_audit(
    request: Request, who: Principal, action: str, subject: str | None, details: dict[str, Any]
) -> None:
    """Append to the audit log (off the event loop; the log may be sync or async)."""
    audit = getattr(request.app.state, "audit", None)
    if audit is None:
        return
    done = await asyncio.to_thread(audit.record, who.subject, who.role, action, subject, details)
    if inspect.isawaitable(done):
        await done


def _name(who: Principal) -> str:
    return who.display_name or who.subject


async def _get(dispatcher: Dispatcher, handoff_id: str) -> HandoffRow:
    with _http_errors():
        return await asyncio.to_thread(dispatcher.handoffs.get, handoff_id)


async def _assigned(dispatcher: Dispatcher, handoff_id: str, who: Principal) -> HandoffRow:
    """The handoff, when it is accepted and this colleague's (admins may act on any)."""
    row = await _get(dispatcher, handoff_id)
    _refuse_if_visit_ended(row)
    if row.status != "accepted":
        raise HTTPException(status.HTTP_409_CONFLICT, f"handoff is {row.status}, not accepted")
    if row.assigned_to != who.subject and who.role != "admin":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this handoff is assigned to another colleague")
    return row


def _refuse_if_visit_ended(row: HandoffRow) -> None:
    """410 for a handoff the queue's hygiene closed (the customer's visit ended, or the authorisation it
    was for is no longer asked for): there is nobody or nothing to serve any more."""
    why = ((row.summary or {}).get("closed") or {}).get("reason")
    if row.status == "cancelled" and why in CLOSED_REASONS:
        raise HTTPException(status.HTTP_410_GONE, CLOSED_REASONS[why])


def _view(dispatcher: Dispatcher, row: HandoffRow) -> dict[str, Any]:
    return handoff_view(row, dt.datetime.now(dt.UTC), dispatcher.options.aging_s)


@router.get("", summary="Queued handoffs this colleague may take, in serving order")
async def queue(
    who: Viewer, dispatcher: DispatchDep, skill: Annotated[str | None, Query(max_length=32)] = None
) -> dict[str, Any]:
    if who.role in ("supervisor", "admin"):
        rows = await asyncio.to_thread(dispatcher.handoffs.queue, skill)
        now = dt.datetime.now(dt.UTC)
        items = [handoff_view(r, now, dispatcher.options.aging_s) for r in dispatcher.ordered(rows, now)]
    else:
        items = await asyncio.to_thread(dispatcher.queue_for, who.subject, who.role, who.branch_id, skill)
    return {"handoffs": items}


@router.get("/mine", summary="Handoffs this colleague accepted and has not finished")
async def mine(who: Taker, dispatcher: DispatchDep) -> dict[str, Any]:
    rows = await asyncio.to_thread(dispatcher.handoffs.assigned_to, who.subject)
    return {"handoffs": [_view(dispatcher, r) for r in rows]}


@router.get("/presence", summary="Experts and tellers with their presence and skills")
async def presence(who: Viewer, dispatcher: DispatchDep) -> dict[str, Any]:
    users = await asyncio.to_thread(dispatcher.presence.staff, ("expert", "teller"))
    return {
        "staff": [
            {
                "username": u.username,
                "display_name": u.display_name or u.username,
                "role": u.role,
                "branch_id": u.branch_id,
                "skills": list(u.skills or []),
                "presence": u.presence,
            }
            for u in users
        ]
    }


@router.put("/presence", summary="Set my presence: online, busy or offline")
async def set_presence(body: PresenceIn, who: Taker, dispatcher: DispatchDep) -> dict[str, Any]:
    if not await asyncio.to_thread(dispatcher.presence.set, who.subject, body.presence):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no active user {who.subject}")
    return {"username": who.subject, "presence": body.presence}


async def _announce_accept(request: Request, who: Principal, row: HandoffRow, dispatcher: Dispatcher) -> None:
    events: EventBus = request.app.state.events
    await events.publish(CHANNEL, {"type": "handoff_accepted", "handoff": _view(dispatcher, row)})
    await events.publish(f"session:{row.session_id}", {"type": "handoff", "status": "accepted", "expert": _name(who)})
    await record_audit(request, who, "handoff_accept", row.id, {"session_id": row.session_id, "skill": row.skill})


@router.post("/next", summary="Accept the best handoff for me (fair: skips fresh offers to others)")
async def take_next(request: Request, who: Taker, dispatcher: DispatchDep) -> dict[str, Any]:
    for _attempt in range(5):  # another colleague may win a race for the same one: try the next
        row = await asyncio.to_thread(dispatcher.next_for, who.subject, who.role, who.branch_id)
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no handoff is waiting for you")
        if await asyncio.to_thread(dispatcher.accept, row.id, who.subject):
            row = await _get(dispatcher, row.id)
            await _announce_accept(request, who, row, dispatcher)
            return _view(dispatcher, row)
    raise HTTPException(status.HTTP_409_CONFLICT, "other colleagues took the waiting handoffs first")


@router.get(
    "/{handoff_id}",
    summary="The handoff with its context: summary, profile, transcript, risk, journey",
    responses={403: {"description": "a handoff this colleague neither holds nor may take (audited)"}},
)
async def context(handoff_id: str, request: Request, who: Viewer, dispatcher: DispatchDep) -> dict[str, Any]:
    """The whole context for the colleague holding the handoff (and supervisors). A queued handoff this
    colleague may take shows only its queue entry and why it was made (`preview: true`): the customer's
    profile, slots and transcript open once they accept it."""
    row = await _get(dispatcher, handoff_id)
    if who.role not in ("supervisor", "admin") and row.assigned_to != who.subject:
        user = await asyncio.to_thread(dispatcher.presence.get, who.subject)
        if row.status == "queued" and can_serve(user, who.role, who.branch_id, row):
            preview = {key: (row.summary or {}).get(key) for key in PREVIEW_KEYS}
            pending = await _pending_preview(request, row)
            return {"handoff": _view(dispatcher, row), "summary": preview, "preview": True, **pending}
        await scope.audit_denied(request, who, row.id, "read a handoff it does not hold")
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this handoff is not yours: accept it first")
    sessions: SessionStore = request.app.state.sessions
    with _http_errors():
        # the balance itself is for the colleague deciding (and admins); supervisors see the check only
        data = await asyncio.to_thread(session_context, sessions, row.session_id, who.role != "supervisor")
    data["handoff"] = _view(dispatcher, row)
    data["summary"] = row.summary
    data["profile"] = await customer_profile(request.app.state.bank, data.get("customer"))
    return data


async def _pending_preview(request: Request, row: HandoffRow) -> dict[str, Any]:
    """What an authorisation is for (business, amount, balance check, risk), before it is taken."""
    if row.reason != "authorization":
        return {}
    sessions: SessionStore = request.app.state.sessions
    try:
        session = await asyncio.to_thread(sessions.get, row.session_id)
    except SessionNotFound:
        return {}
    return {"pending_authorization": pending_view(session.state or {}, [], reveal_balance=False, preview=True)}


async def customer_profile(bank: BankClients, customer: dict[str, Any] | None) -> dict[str, Any] | None:
    """The bank's profile of an identified customer, identifiers masked; None when unknown or unreachable."""
    customer_id = (customer or {}).get("customer_id")
    if not customer_id:
        return None
    try:
        profile = await bank.customers.profile(str(customer_id))
    except BankError:
        return None
    masked: dict[str, Any] = mask_data(profile.model_dump(mode="json"))
    return masked


@router.post(
    "/{handoff_id}/accept",
    summary="Take the handoff; exactly one colleague wins",
    responses={409: {"description": "another colleague took it first, or it was closed"}},
)
async def accept(handoff_id: str, request: Request, who: Taker, dispatcher: DispatchDep) -> dict[str, Any]:
    row = await _get(dispatcher, handoff_id)
    closed = await asyncio.to_thread(close_if_visit_ended, dispatcher, request.app.state.sessions, row)
    _refuse_if_visit_ended(closed or row)
    user = await asyncio.to_thread(dispatcher.presence.get, who.subject)
    if not can_serve(user, who.role, who.branch_id, row):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"this handoff needs the skill {row.skill!r}")
    if not await asyncio.to_thread(dispatcher.accept, handoff_id, who.subject):
        row = await _get(dispatcher, handoff_id)
        taken = f"taken by {row.assigned_to}" if row.status == "accepted" else row.status
        _refuse_if_visit_ended(row)
        raise HTTPException(status.HTTP_409_CONFLICT, f"handoff already {taken}")
    row = await _get(dispatcher, handoff_id)
    await _announce_accept(request, who, row, dispatcher)
    return _view(dispatcher, row)


@router.post("/{handoff_id}/messages", summary="Say something to the customer on the kiosk")
async def message(
    handoff_id: str, body: MessageIn, request: Request, who: Taker, dispatcher: DispatchDep
) -> dict[str, Any]:
    row = await _assigned(dispatcher, handoff_id, who)
    sessions: SessionStore = request.app.state.sessions
    turn = NewTurn(speaker="expert", text=body.text, source="typed", intent="expert_message")
    with _http_errors():
        recorded = await asyncio.to_thread(sessions.append_turn, row.session_id, turn)
    events: EventBus = request.app.state.events
    await events.publish(
        f"session:{row.session_id}",
        {"type": "expert_message", "text": body.text, "from": _name(who), "speak": body.speak},
    )
    return {"session_id": row.session_id, "seq": recorded.seq}


@router.post(
    "/{handoff_id}/authorizations/{authorization_id}",
    summary="Approve or reject the authorisation a journey waits for; the kiosk's journey continues",
)
async def decide(
    handoff_id: str,
    authorization_id: str,
    body: DecisionIn,
    request: Request,
    who: Taker,
    dispatcher: DispatchDep,
) -> dict[str, Any]:
    row = await _assigned(dispatcher, handoff_id, who)
    sessions: SessionStore = request.app.state.sessions
    with _http_errors():
        ctx = await asyncio.to_thread(session_context, sessions, row.session_id)
    waiting = (ctx.get("authorization") or {}).get("id")
    if str(waiting) != authorization_id:
        raise HTTPException(status.HTTP_409_CONFLICT, "the session is not waiting for this authorisation")
    out = await decide_authorization(request, who, row.session_id, authorization_id, body)
    return {"authorization_id": authorization_id, "decision": body.decision, "turn": out}


async def decide_authorization(
    request: Request, who: Principal, session_id: str, authorization_id: str, body: DecisionIn
) -> dict[str, Any]:
    """Record the decision at the bank (idempotent per authorisation and decision), move the session's
    journey on with it, push the resulting turn to the kiosk and audit it. Shared with the teller side."""
    bank: BankClients = request.app.state.bank
    approve = body.decision == "approve"
    try:
        decided = await bank.transactions.decide_authorization(
            authorization_id,
            approve,
            who.subject,
            idempotency_key=f"auth-{authorization_id}-{body.decision}",
            note=body.note,
        )
    except BankUnavailable as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"the bank is unavailable: {exc}") from None
    except BankError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, f"the bank refused the decision: {exc}") from None
    data = {**decided.model_dump(mode="json"), "authorization_id": authorization_id}
    conversation: ConversationService = request.app.state.conversation
    with _http_errors():
        out = await conversation.staff_event(
            session_id, {"type": "authorization_decided", "data": data}, actor=who.subject
        )
    await _tell_decision(request, session_id, out, body)
    turn = out.model_dump(mode="json")
    events: EventBus = request.app.state.events
    await events.publish(f"session:{session_id}", {"type": "turn", "turn": turn})
    await record_audit(
        request,
        who,
        "authorization_decide",
        authorization_id,
        {"session_id": session_id, "decision": body.decision, "status": decided.status, "note": body.note},
    )
    return turn


async def _tell_decision(request: Request, session_id: str, out: Any, body: DecisionIn) -> None:
    """The colleague's note reaches the customer in plain words with the journey's reply (and the
    transcript); with no journey reply the decision itself is said."""
    lang = out.reply.language
    note = " ".join(body.note.split())
    words = NOTE["en" if lang == "en" else "zh"].format(note=note) if note else ""
    if not out.reply.text:
        words = decision_words(body.decision, body.note, lang)
    if not words:
        return
    sep = " " if lang == "en" and out.reply.text else ""
    out.reply.text = f"{out.reply.text}{sep}{words}"
    if out.reply.speech:
        out.reply.speech = f"{out.reply.speech}{sep}{words}"
    sessions: SessionStore = request.app.state.sessions
    turn = NewTurn(speaker="staff", text=words, source="typed", intent="authorization_note")
    with _http_errors():
        await asyncio.to_thread(sessions.append_turn, session_id, turn)


@router.post("/{handoff_id}/finish", summary="Close the handoff; the kiosk is told")
async def finish(handoff_id: str, request: Request, who: Taker, dispatcher: DispatchDep) -> dict[str, Any]:
    row = await _assigned(dispatcher, handoff_id, who)
    await asyncio.to_thread(dispatcher.finish, handoff_id, row.assigned_to or who.subject)
    row = await _get(dispatcher, handoff_id)
    events: EventBus = request.app.state.events
    await events.publish(CHANNEL, {"type": "handoff_finished", "handoff": _view(dispatcher, row)})
    await events.publish(f"session:{row.session_id}", {"type": "handoff", "status": "finished", "expert": _name(who)})
    return _view(dispatcher, row)


@router.post("/{handoff_id}/release", summary="Give an accepted handoff back to the queue")
async def release(handoff_id: str, request: Request, who: Taker, dispatcher: DispatchDep) -> dict[str, Any]:
    row = await _assigned(dispatcher, handoff_id, who)
    if not await asyncio.to_thread(dispatcher.handoffs.release, handoff_id, row.assigned_to or who.subject):
        raise HTTPException(status.HTTP_409_CONFLICT, "the handoff changed meanwhile")
    row = await _get(dispatcher, handoff_id)
    events: EventBus = request.app.state.events
    await events.publish(
        CHANNEL, {"type": "handoff_created", "dispatch": "released", "handoff": _view(dispatcher, row)}
    )
    return _view(dispatcher, row)
