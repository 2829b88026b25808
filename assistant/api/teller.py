"""The teller's counter (`/api/v1/teller`): the knowledge assistant for staff, the queue, the current customer.

- Ask: the same knowledge base as the kiosk with the staff audience, so answers may cite staff-only
  documents; a cited document opens in full.
- Queue: the branch's waiting counts come from the bank's branch client; the tickets Lobby issued at the
  kiosk (queue_ticket / check-in calls recorded in the transcripts) are the ones a counter can call with
  their context. Calling marks the ticket's session (`state.counter`) with a compare-and-set on the
  session version, so two counters calling at once never get the same customer; then the bank is told
  (`booking.call_ticket`, keyed by branch, ticket number and the bank's ticket id, so a retry never calls
  twice) and its waiting count drops. The kiosk's ticket numbers are the bank's own. Lobby's mark is what
  serves the customer: if the bank is down or refuses (409), the call still succeeds here and the answer
  says `bank_called: false` with the reason.
- Current customer: the session this teller called last, with the masked profile, the journey state and
  the form the customer filled at the kiosk.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, Field
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from assistant.api.handoffs import DecisionIn, customer_profile, decide_authorization
from assistant.api.knowledge import KnowledgeService
from assistant.api.scope import serving_session, today
from assistant.auth import Principal, require
from assistant.conversation.handoffs import TICKET_OPERATIONS, session_context, ticket_of
from assistant.logging import get_logger
from assistant.store.db import Database
from assistant.store.sessions import SessionStore, StaleSession
from assistant.store.tables import SessionRow, TurnRow
from integrations.bundle import BankClients
from integrations.errors import BankError
from knowledge.base import KnowledgeBase, KnowledgeBaseMissing

router = APIRouter(prefix="/api/v1/teller", tags=["teller"])
log = get_logger("lobby.teller")

Staff = Annotated[Principal, Depends(require("teller", "expert", "supervisor"))]
Teller = Annotated[Principal, Depends(require("teller"))]
DEFAULT_BRANCH = "BJ001"
CALL_ATTEMPTS = 5


class AskIn(BaseModel):
    question: str = Field(..., min_length=1, max_length=500)


class CallIn(BaseModel):
    counter: str = Field("1", min_length=1, max_length=16, description="The window calling (shown to the customer).")


def _kb(request: Request) -> KnowledgeBase:
    service: KnowledgeService = request.app.state.knowledge
    if service.state != "ready" and not service.kb.exists():
        raise HTTPException(503, "the knowledge base is not ready yet", headers={"Retry-After": "5"})
    return service.kb


@router.post("/ask", summary="Ask the knowledge assistant (staff documents included); cited answer or abstention")
async def ask(body: AskIn, request: Request, who: Staff) -> dict[str, Any]:
    kb = _kb(request)
    try:
        answer = await run_in_threadpool(kb.answer, body.question, "staff")
    except KnowledgeBaseMissing as exc:
        raise HTTPException(503, str(exc)) from None
    data: dict[str, Any] = answer.to_dict()
    data["audience"] = "staff"
    return data


def _document(kb: KnowledgeBase, doc_id: str) -> dict[str, Any] | None:
    chunks = [c for c in kb.searcher().gen.chunks() if c.doc_id == doc_id]
    if not chunks:
        return None
    first = chunks[0]
    return {
        "doc_id": doc_id,
        "title": first.title,
        "audience": first.audience,
        "effective_from": first.effective_from,
        "effective_until": first.effective_until,
        "source": first.source,
        "sections": [{"section": c.section, "text": c.text} for c in chunks],
    }


@router.get("/documents/{doc_id}", summary="The full text of a cited document")
async def document(doc_id: str, request: Request, who: Staff) -> dict[str, Any]:
    kb = _kb(request)
    try:
        found = await run_in_threadpool(_document, kb, doc_id)
    except KnowledgeBaseMissing as exc:
        raise HTTPException(503, str(exc)) from None
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"document {doc_id} not found")
    return found


def _branch(who: Principal) -> str:
    return who.branch_id or DEFAULT_BRANCH


def branch_tickets(db: Database, branch_id: str, since: dt.datetime) -> list[dict[str, Any]]:
    """Tickets issued at this branch's kiosks since `since`, oldest first, with their session and whether
    a counter called them already."""
    query = (
        select(TurnRow.session_id, TurnRow.seq, TurnRow.backend_calls, SessionRow.state)
        .join(SessionRow, SessionRow.id == TurnRow.session_id)
        .where(SessionRow.branch_id == branch_id, SessionRow.created_at >= since, TurnRow.speaker == "assistant")
        .order_by(TurnRow.created_at)
    )
    tickets: list[dict[str, Any]] = []
    with db.session() as s:
        for session_id, seq, calls, state in s.execute(query):
            for call in calls or []:
                if isinstance(call, dict) and call.get("operation") in TICKET_OPERATIONS and call.get("ok"):
                    ticket = ticket_of(call, seq)
                    if ticket:
                        counter = (state or {}).get("counter") or {}
                        called = counter.get("ticket") == ticket["number"]
                        tickets.append({**ticket, "session_id": session_id, "called": called, "counter": counter})
    return tickets


@router.get("/queue", summary="The branch queue: the bank's waiting counts and the tickets issued at the kiosk")
async def queue(request: Request, who: Teller) -> dict[str, Any]:
    branch = _branch(who)
    bank: BankClients = request.app.state.bank
    try:
        status_ = (await bank.booking.queue(branch)).model_dump(mode="json")
    except BankError as exc:
        status_ = {"branch_id": branch, "error": str(exc), "categories": []}
    tickets = await asyncio.to_thread(branch_tickets, request.app.state.db, branch, today())
    return {"branch_id": branch, "bank": status_, "tickets": [t for t in tickets if not t["called"]]}


def _call_next(
    db: Database, sessions: SessionStore, branch: str, who: Principal, counter: str
) -> tuple[str, dict[str, Any]] | None:
    """Mark the next waiting ticket (priority category first, then oldest) as called by this teller;
    compare-and-set on the session version, so a ticket is never called twice. Returns its session id
    and the ticket."""
    for _attempt in range(CALL_ATTEMPTS):
        waiting = [t for t in branch_tickets(db, branch, today()) if not t["called"]]
        if not waiting:
            return None
        waiting.sort(key=lambda t: (t.get("category") != "priority", str(t.get("created_at") or "")))
        ticket = waiting[0]
        row = sessions.get(ticket["session_id"])
        if ((row.state or {}).get("counter") or {}).get("ticket") == ticket["number"]:
            continue
        mark = {
            "ticket": ticket["number"],
            "counter": counter,
            "called_by": who.subject,
            "called_at": dt.datetime.now(dt.UTC).isoformat(),
        }
        try:
            sessions.save_state(row.id, {**(row.state or {}), "counter": mark}, expected_version=row.version)
        except StaleSession:
            continue
        return row.id, ticket
    return None


def call_key(branch: str, ticket: dict[str, Any]) -> str:
    """The Idempotency-Key of telling the bank a ticket was called: one per ticket, so a retry (by the
    client or by anyone repeating this call) replays the bank's answer instead of calling again. The
    bank's ticket id tells apart the same number issued on another day."""
    return f"teller-call:{branch}:{ticket['number']}:{ticket.get('id') or today().date().isoformat()}"


async def _tell_bank(bank: BankClients, branch: str, ticket: dict[str, Any], counter: str) -> dict[str, Any]:
    """Call the ticket at the bank too, so its waiting count drops; a failure is reported, not raised."""
    try:
        await bank.booking.call_ticket(branch, ticket["number"], counter, idempotency_key=call_key(branch, ticket))
    except BankError as exc:
        log.warning("teller.bank_call_failed", branch=branch, ticket=ticket["number"], error=str(exc))
        return {"bank_called": False, "bank_call_error": str(exc)}
    return {"bank_called": True, "bank_call_error": None}


async def _customer(request: Request, session_id: str) -> dict[str, Any]:
    data = await asyncio.to_thread(session_context, request.app.state.sessions, session_id)
    data["profile"] = await customer_profile(request.app.state.bank, data.get("customer"))
    mobile = getattr(request.app.state, "mobile", None)  # a form the customer prepared on the phone, pre-filled
    if mobile is not None:
        with contextlib.suppress(BankError):
            data["form"] = {**(data.get("form") or {}), **await mobile.teller_form(session_id)}
    return data


@router.post("/queue/next", summary="Call the next ticket to this counter; returns that customer")
async def call_next(body: CallIn, request: Request, who: Teller) -> dict[str, Any]:
    branch = _branch(who)
    called = await asyncio.to_thread(
        _call_next, request.app.state.db, request.app.state.sessions, branch, who, body.counter
    )
    if called is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no ticket is waiting")
    session_id, ticket = called
    told = await _tell_bank(request.app.state.bank, ticket.get("branch_id") or branch, ticket, body.counter)
    return {**await _customer(request, session_id), **told}


@router.get("/customer", summary="The customer this teller called last: profile (masked), journey, kiosk form")
async def current_customer(request: Request, who: Teller) -> dict[str, Any]:
    session_id = await asyncio.to_thread(serving_session, request.app.state.db, who.subject, today())
    if session_id is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no customer called yet: call the next ticket")
    return await _customer(request, session_id)


@router.post(
    "/customer/authorizations/{authorization_id}",
    summary="Approve or reject the authorisation the current customer's journey waits for",
)
async def decide(authorization_id: str, body: DecisionIn, request: Request, who: Teller) -> dict[str, Any]:
    session_id = await asyncio.to_thread(serving_session, request.app.state.db, who.subject, today())
    if session_id is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no customer called yet")
    ctx = await asyncio.to_thread(session_context, request.app.state.sessions, session_id)
    if str((ctx.get("authorization") or {}).get("id")) != authorization_id:
        raise HTTPException(status.HTTP_409_CONFLICT, "the customer is not waiting for this authorisation")
    turn = await decide_authorization(request, who, session_id, authorization_id, body)
    return {"authorization_id": authorization_id, "decision": body.decision, "turn": turn}
