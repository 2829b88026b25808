"""Branch side: bookings and check-in, the queue, and devices (printer, dispenser, locker, readers)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from integrations import schemas as api
from integrations.sandbox import tables as t
from integrations.sandbox import views
from integrations.sandbox.common import ApiError, IdempotencyKey, StateDep, idempotent_write, not_found, rejected
from integrations.sandbox.seed import CATEGORY_PREFIX
from integrations.sandbox.state import new_id, now

router = APIRouter(prefix="/v1", tags=["branch"])

MINUTES_PER_CUSTOMER = {"personal": 6, "corporate": 12, "wealth": 15, "priority": 5}
CATEGORY_OF = {"corporate": "corporate", "wealth": "wealth", "loan": "wealth", "pension_account_opening": "personal"}


def category_for(business_type: str, priority: bool) -> str:
    if priority:
        return "priority"
    for prefix, category in CATEGORY_OF.items():
        if business_type.startswith(prefix):
            return category
    return "personal"


@router.get("/customers/{customer_id}/bookings", response_model=list[api.Booking])
def bookings(state: StateDep, customer_id: str) -> list[api.Booking]:
    with state.session() as s:
        if s.get(t.Customer, customer_id) is None:
            raise not_found("customer", customer_id)
        rows = s.scalars(select(t.Booking).where(t.Booking.customer_id == customer_id).order_by(t.Booking.date)).all()
        return [views.booking(b) for b in rows]


def issue_ticket(s: Session, branch_id: str, business_type: str, customer_id: str | None, priority: bool) -> t.Ticket:
    category = category_for(business_type, priority)
    queue = s.get(t.QueueState, (branch_id, category))
    if queue is None:
        raise not_found("branch", branch_id)
    queue.issued += 1
    ahead = queue.waiting
    queue.waiting += 1
    ticket = t.Ticket(
        id=new_id("tkt"),
        number=f"{CATEGORY_PREFIX[category]}{queue.issued:03d}",
        branch_id=branch_id,
        category=category,
        business_type=business_type,
        customer_id=customer_id,
        waiting_ahead=ahead,
        estimated_wait_min=_wait(ahead, queue.windows, category),
        created_at=now(),
    )
    s.add(ticket)
    return ticket


def _wait(waiting: int, windows: int, category: str) -> int:
    return -(-waiting * MINUTES_PER_CUSTOMER[category] // max(windows, 1))


@router.post("/bookings/{code}/check-in", response_model=api.CheckIn)
def check_in(code: str, request: Request, state: StateDep, key: IdempotencyKey) -> JSONResponse:
    """Check in a booking for today: it becomes a queue ticket for the booked business."""

    def act(s: Session) -> tuple[int, api.CheckIn]:
        booking = s.get(t.Booking, code.strip().upper())
        if booking is None:
            raise not_found("booking", code)
        if booking.status != "booked":
            raise rejected("booking_not_open", f"booking is {booking.status}")
        if booking.date != dt.date.today():
            raise rejected("booking_not_today", f"booking is for {booking.date.isoformat()}", date=booking.date)
        booking.status = "checked_in"
        ticket = issue_ticket(s, booking.branch_id, booking.business_type, booking.customer_id, priority=False)
        s.flush()
        return 200, api.CheckIn(booking=views.booking(booking), ticket=views.ticket(ticket))

    return idempotent_write(state, request, key, None, act)


@router.post("/queue/tickets", status_code=201, response_model=api.Ticket)
def take_ticket(body: api.TicketRequest, request: Request, state: StateDep, key: IdempotencyKey) -> JSONResponse:
    def act(s: Session) -> tuple[int, api.Ticket]:
        ticket = issue_ticket(s, body.branch_id, body.business_type, body.customer_id, body.priority)
        s.flush()
        return 201, views.ticket(ticket)

    return idempotent_write(state, request, key, body, act)


@router.post("/queue/tickets/{number}/call", response_model=api.Ticket)
def call_ticket(
    number: str, body: api.TicketCall, request: Request, state: StateDep, key: IdempotencyKey
) -> JSONResponse:
    """A counter calls a ticket: it is marked called and leaves its category's waiting count.

    A replay with the same key returns the same answer; a second call under another key is refused
    (409 `ticket_already_called`), so two counters can never both take one customer."""

    def act(s: Session) -> tuple[int, api.Ticket]:
        ticket = s.scalars(
            select(t.Ticket)
            .where(t.Ticket.branch_id == body.branch_id, t.Ticket.number == number.strip().upper())
            .order_by(t.Ticket.created_at.desc())
            .limit(1)
        ).first()
        if ticket is None:
            raise not_found("ticket", f"{body.branch_id}/{number}")
        if ticket.called_at is not None:
            raise rejected(
                "ticket_already_called",
                f"ticket {ticket.number} was already called to counter {ticket.counter}",
                counter=ticket.counter,
                called_at=ticket.called_at,
            )
        ticket.called_at = now()
        ticket.counter = body.counter
        queue = s.get(t.QueueState, (ticket.branch_id, ticket.category))
        if queue is not None:
            queue.waiting = max(queue.waiting - 1, 0)
        s.flush()
        return 200, views.ticket(ticket)

    return idempotent_write(state, request, key, body, act)


@router.get("/queue", response_model=api.QueueStatus)
def queue(state: StateDep, branch_id: str = "BJ001") -> api.QueueStatus:
    with state.session() as s:
        rows = s.scalars(select(t.QueueState).where(t.QueueState.branch_id == branch_id)).all()
        if not rows:
            raise not_found("branch", branch_id)
        return api.QueueStatus(
            branch_id=branch_id,
            categories=[
                api.QueueCategory(
                    category=q.category,
                    waiting=q.waiting,
                    windows=q.windows,
                    estimated_wait_min=_wait(q.waiting, q.windows, q.category),
                )
                for q in rows
            ],
        )


@router.get("/devices", response_model=list[api.Device])
def devices(state: StateDep, branch_id: str | None = None) -> list[api.Device]:
    with state.session() as s:
        stmt = select(t.Device).order_by(t.Device.id)
        if branch_id:
            stmt = stmt.where(t.Device.branch_id == branch_id)
        return [api.Device.model_validate(d, from_attributes=True) for d in s.scalars(stmt)]


COMMAND_DEVICE = {
    "print_receipt": "receipt_printer",
    "dispense_card": "card_dispenser",
    "open_locker": "product_locker",
}


@router.post("/devices/{device_id}/commands", status_code=201, response_model=api.DeviceJob)
def command(
    device_id: str, body: api.DeviceCommand, request: Request, state: StateDep, key: IdempotencyKey
) -> JSONResponse:
    """Run a command; the job records whether the device did it (offline or jammed devices fail)."""

    def act(s: Session) -> tuple[int, api.DeviceJob]:
        device = s.get(t.Device, device_id)
        if device is None:
            raise not_found("device", device_id)
        if COMMAND_DEVICE[body.command] != device.kind:
            raise ApiError(422, "invalid_request", f"{device.kind} cannot {body.command}")
        status, result = _run(device, body)
        job = t.DeviceJob(
            id=new_id("job"), device_id=device.id, command=body.command, status=status, result=result, created_at=now()
        )
        s.add(job)
        return 201, api.DeviceJob.model_validate(job, from_attributes=True)

    return idempotent_write(state, request, key, body, act)


def _run(device: t.Device, body: api.DeviceCommand) -> tuple[str, dict[str, Any]]:
    if device.status in ("offline", "jammed"):
        return "failed", {"reason": f"device {device.status}"}
    if body.command == "print_receipt":
        lines = body.params.get("lines", [])
        return "completed", {
            "printed_lines": len(lines) if isinstance(lines, list) else 1,
            "warning": "paper low" if device.status == "paper-low" else None,
        }
    if body.command == "dispense_card":
        if not device.stock:
            return "failed", {"reason": "out of stock"}
        device.stock -= 1
        return "completed", {"dispensed": True, "stock_left": device.stock}
    code = str(body.params.get("pickup_code", ""))
    cells = list(device.cells)
    for cell in cells:
        if cell.get("pickup_code") == code and not cell.get("opened"):
            device.cells = [{**c, "opened": c is cell or c.get("opened", False)} for c in cells]
            return "completed", {"cell": cell["cell"], "item": cell["item"]}
    return "failed", {"reason": "pickup code not recognised"}


@router.get("/devices/jobs/{job_id}", response_model=api.DeviceJob)
def job(state: StateDep, job_id: str) -> api.DeviceJob:
    with state.session() as s:
        row = s.get(t.DeviceJob, job_id)
        if row is None:
            raise not_found("device job", job_id)
        return api.DeviceJob.model_validate(row, from_attributes=True)
