"""The branch manager's API (`/api/v1/manager/...`), role manager; supervisors may use it too (admin passes
every role check). A manager signed in for a branch sees and acts on that branch only.

`GET /overview?branch=` is the whole branch as JSON (`assistant.manager.overview`). The actions change what
colleagues, handoffs, devices or the queue do, so each is audited before it answers: instruct a colleague,
reassign a handoff, take a device out of service (or back), call a ticket to a counter.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from pydantic import BaseModel, Field

from assistant.api.handoffs import record_audit
from assistant.auth import Principal, require
from assistant.conversation.dispatch import Dispatcher
from assistant.manager import actions
from assistant.manager.holds import unwrapped
from assistant.manager.live import BranchLive
from assistant.manager.overview import build_overview
from integrations.devices.wiring import device_overview

router = APIRouter(prefix="/api/v1/manager", tags=["manager"])
Manager = Annotated[Principal, Depends(require("manager", "supervisor"))]
DEFAULT_BRANCH = "BJ001"
BRANCH_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"


class InstructionIn(BaseModel):
    to: str = Field(..., min_length=1, max_length=64, description="The teller's or expert's username.")
    text: str = Field(..., min_length=1, max_length=500)
    handoff_id: str | None = Field(None, max_length=64, description="The handoff the instruction is about.")


class ReassignIn(BaseModel):
    to: str = Field(..., min_length=1, max_length=64, description="The colleague who should take it.")
    note: str | None = Field(None, max_length=500, description="Sent to that colleague with the offer.")


class ServiceIn(BaseModel):
    in_service: bool = Field(False, description="false takes the device out of service; true puts it back.")
    reason: str = Field("", max_length=200)
    branch: str | None = Field(None, pattern=BRANCH_PATTERN)


class CallTicketIn(BaseModel):
    ticket: str = Field(..., min_length=1, max_length=16, description="The kiosk ticket's number, e.g. A012.")
    counter: str = Field(..., min_length=1, max_length=16, description="The window the customer goes to.")
    teller: str | None = Field(None, max_length=64, description="The teller at that counter (they are told).")
    branch: str | None = Field(None, pattern=BRANCH_PATTERN)


def _branch(who: Principal, asked: str | None) -> str:
    """The branch asked for; a manager signed in for a branch may only look at that one."""
    branch = asked or who.branch_id or DEFAULT_BRANCH
    if who.role == "manager" and who.branch_id and branch != who.branch_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"you manage branch {who.branch_id}, not {branch}")
    return branch


def _live(request: Request) -> BranchLive:
    live: BranchLive | None = getattr(request.app.state, "branch_live", None)
    if live is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the service is still starting")
    return live


async def _tell(request: Request, who: Principal, to: str, text: str, handoff_id: str | None = None) -> None:
    message = actions.instruction(who.subject, who.display_name, text, handoff_id)
    await actions.instruct(request.app.state.events, to, message)


def _refused(exc: actions.ActionRefused) -> HTTPException:
    return HTTPException(exc.status, exc.detail)


@router.get("/overview", summary="The branch now: kiosks, devices, queue, staff, handoffs and alerts")
async def overview(
    request: Request, who: Manager, branch: Annotated[str | None, Query(pattern=BRANCH_PATTERN)] = None
) -> dict[str, Any]:
    state = request.app.state
    dispatch: Dispatcher = state.dispatch
    return await build_overview(
        state.db, state.bank, _live(request).holds, _branch(who, branch), aging_s=dispatch.options.aging_s
    )


@router.post("/instructions", status_code=201, summary="Send an instruction to a teller or expert (staff socket)")
async def send_instruction(body: InstructionIn, request: Request, who: Manager) -> dict[str, Any]:
    state = request.app.state
    try:
        target = await asyncio.to_thread(actions.colleague, state.db, body.to)
    except actions.ActionRefused as exc:
        raise _refused(exc) from None
    message = actions.instruction(who.subject, who.display_name, body.text.strip(), body.handoff_id)
    details = {"to": target.username, "text": message["text"], "handoff_id": body.handoff_id, "id": message["id"]}
    await record_audit(request, who, "manager_instruct", target.username, details)
    await actions.instruct(state.events, target.username, message)
    return {**message, "to": target.username}


@router.post("/handoffs/{handoff_id}/reassign", summary="Offer a handoff to a named teller or expert")
async def reassign(handoff_id: str, body: ReassignIn, request: Request, who: Manager) -> dict[str, Any]:
    state = request.app.state
    dispatch: Dispatcher = state.dispatch
    try:
        target = await asyncio.to_thread(actions.colleague, state.db, body.to)
        before = await asyncio.to_thread(dispatch.handoffs.get, handoff_id)
        _branch(who, before.branch_id)
        row = await asyncio.to_thread(actions.plan_reassign, dispatch, handoff_id, target, who.subject)
    except actions.ActionRefused as exc:
        raise _refused(exc) from None
    except LookupError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"handoff {handoff_id} not found") from None
    details = {"to": target.username, "from": before.assigned_to, "was": before.status, "skill": row.skill}
    await record_audit(request, who, "manager_reassign", handoff_id, details)
    view = await actions.announce_reassigned(dispatch, row)
    text = body.note or f"经理请您接手转人工 {handoff_id[:8]} Please take handoff {handoff_id[:8]}"
    await _tell(request, who, target.username, text, handoff_id)
    if before.assigned_to and before.assigned_to != target.username:
        note = f"转人工 {handoff_id[:8]} 已改派给 {target.username} Handoff reassigned to {target.username}"
        await _tell(request, who, before.assigned_to, note, handoff_id)
    await _live(request).changed(row.branch_id or DEFAULT_BRANCH, "handoffs")
    return {"handoff": view, "released_from": before.assigned_to if before.status == "accepted" else None}


@router.post("/devices/{device_id}/service", summary="Take a device out of service, or put it back")
async def device_service(device_id: str, body: ServiceIn, request: Request, who: Manager) -> dict[str, Any]:
    state = request.app.state
    branch = _branch(who, body.branch)
    listed = await device_overview(unwrapped(state.bank.devices), branch)
    if not any(d["device"] == device_id for d in listed):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no device {device_id} at {branch}")
    reason = body.reason.strip() or ("back in service" if body.in_service else "taken out of service")
    details = {"branch": branch, "in_service": body.in_service, "reason": reason}
    await record_audit(request, who, "manager_device_service", device_id, details)
    message = await _live(request).set_hold(device_id, branch, who.subject, reason, body.in_service)
    return {"device": device_id, "branch": branch, "in_service": body.in_service, "reason": reason, "at": message["at"]}


@router.post("/queue/call", summary="Call a kiosk ticket to a counter (and at the bank)")
async def call_ticket(body: CallTicketIn, request: Request, who: Manager) -> dict[str, Any]:
    state = request.app.state
    branch = _branch(who, body.branch)
    try:
        if body.teller:
            teller = await asyncio.to_thread(actions.colleague, state.db, body.teller)
            if teller.role != "teller":
                raise actions.ActionRefused(422, f"{body.teller} is not a teller")
        caller = body.teller or who.subject  # the teller then sees this customer as the one called last
        ticket = await asyncio.to_thread(
            actions.mark_ticket_called, state.db, state.sessions, branch, body.ticket, body.counter, caller
        )
    except actions.ActionRefused as exc:
        raise _refused(exc) from None
    details = {"branch": branch, "ticket": ticket["number"], "counter": body.counter, "teller": body.teller}
    await record_audit(request, who, "manager_call_ticket", ticket["session_id"], details)
    told = await actions.tell_bank(state.bank, branch, ticket, body.counter)
    if body.teller:
        number = ticket["number"]
        text = f"请在 {body.counter} 号窗口接待 {number} 号 Serve ticket {number} at counter {body.counter}"
        await _tell(request, who, body.teller, text)
    await _live(request).changed(branch, "queue")
    called = {"ticket": ticket["number"], "counter": body.counter, "teller": body.teller}
    return {**called, "session_id": ticket["session_id"], **told}
