"""The teller's orders (`/api/v1/teller/orders`): what the branch owes its customers, and the counter's part in it.

The bank keeps the orders (docs/orders.md); this is the counter's view of them: the branch's orders with their
state and deadline (open ones first, the soonest due first), customers masked as on the manager's console
(张*), and the three things a counter does: mark an order ready (the card is printed, the item is here), hand
it over when the customer's pickup code matches (the bank checks it and counts wrong tries), cancel. Each action
is audited, and each carries its own Idempotency-Key (the HTTP core's retries of one press reuse it; a second
press is a new request, so "ready" on an order already handed over is refused, not replayed). The bank's
refusals come back as 409 with the bank's code (`order_transition_invalid`, `wrong_pickup_code` with
`tries_left`, `pickup_code_locked`), so the page can say what to do next.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, Field

from assistant.api.handoffs import record_audit
from assistant.auth import Principal, require
from assistant.manager.kiosks import masked_name
from integrations import schemas_orders as api
from integrations.bundle import BankClients
from integrations.clients import new_idempotency_key
from integrations.errors import BankError, BankUnavailable, NotFound, Rejected

router = APIRouter(prefix="/api/v1/teller/orders", tags=["teller"])
Teller = Annotated[Principal, Depends(require("teller"))]
DEFAULT_BRANCH = "BJ001"


class PickupIn(BaseModel):
    pickup_code: str = Field(..., min_length=1, max_length=12, pattern=r"^\s*\d+\s*$")


class CancelIn(BaseModel):
    reason: str = Field("", max_length=200)


def _bank(request: Request) -> BankClients:
    bank: BankClients = request.app.state.bank
    return bank


def _branch(who: Principal) -> str:
    return who.branch_id or DEFAULT_BRANCH


async def _names(bank: BankClients, customer_ids: set[str]) -> dict[str, str | None]:
    """Each customer's name, masked (None when the bank cannot say)."""

    async def one(customer_id: str) -> tuple[str, str | None]:
        try:
            return customer_id, masked_name((await bank.customers.profile(customer_id)).name)
        except BankError:
            return customer_id, None

    return dict(await asyncio.gather(*(one(c) for c in sorted(customer_ids))))


def order_row(order: api.Order, customer: str | None) -> dict[str, Any]:
    """An order as the counter sees it: no code, the customer masked, the last transition."""
    data = order.model_dump(mode="json", exclude={"pickup_code", "customer_id", "session_id"})
    data["customer"] = customer
    data["last"] = data["history"][-1] if data["history"] else None
    return data


def _sort_key(row: dict[str, Any]) -> tuple[int, str]:
    return (0 if row["status"] in api.OPEN_STATUSES else 1, str(row["due_at"]))


def _refusal(exc: BankError) -> HTTPException:
    if isinstance(exc, NotFound):
        return HTTPException(status.HTTP_404_NOT_FOUND, "no such order")
    if isinstance(exc, Rejected):
        return HTTPException(status.HTTP_409_CONFLICT, {"code": exc.code, "message": exc.message, **exc.detail})
    if isinstance(exc, BankUnavailable):
        return HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the bank cannot be reached; try again")
    return HTTPException(status.HTTP_400_BAD_REQUEST, exc.message)


async def _of_branch(bank: BankClients, order_id: str, branch: str) -> api.Order:
    """The order, if it belongs to this teller's branch (another branch's reads as unknown)."""
    try:
        order = await bank.orders.get(order_id)
    except BankError as exc:
        raise _refusal(exc) from None
    if order.branch_id != branch:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such order")
    return order


@router.get("", summary="The branch's orders: state, deadline, masked customer; open ones first")
async def listing(request: Request, who: Teller, state: str | None = None) -> dict[str, Any]:
    bank, branch = _bank(request), _branch(who)
    try:
        orders = await bank.orders.orders(branch_id=branch, status=state)
    except BankError as exc:
        raise _refusal(exc) from None
    names = await _names(bank, {o.customer_id for o in orders})
    rows = sorted((order_row(o, names.get(o.customer_id)) for o in orders), key=_sort_key)
    return {"branch_id": branch, "orders": rows}


async def _answer(request: Request, order: api.Order) -> dict[str, Any]:
    names = await _names(_bank(request), {order.customer_id})
    return order_row(order, names.get(order.customer_id))


@router.post("/{order_id}/ready", summary="The item is at the counter (the card is printed): reserved -> ready")
async def ready(order_id: str, request: Request, who: Teller) -> dict[str, Any]:
    bank = _bank(request)
    await _of_branch(bank, order_id, _branch(who))
    try:
        order = await bank.orders.ready(order_id, who.subject, idempotency_key=new_idempotency_key())
    except BankError as exc:
        raise _refusal(exc) from None
    await record_audit(request, who, "order_ready", order_id, {"status": order.status})
    return await _answer(request, order)


@router.post("/{order_id}/pickup", summary="Hand it over when the customer's pickup code matches (the bank checks)")
async def pickup(order_id: str, body: PickupIn, request: Request, who: Teller) -> dict[str, Any]:
    bank = _bank(request)
    await _of_branch(bank, order_id, _branch(who))
    try:
        order = await bank.orders.pickup(order_id, body.pickup_code.strip(), who.subject)
    except BankError as exc:
        await record_audit(request, who, "order_pickup_refused", order_id, {"code": exc.code, **exc.detail})
        raise _refusal(exc) from None
    await record_audit(request, who, "order_picked_up", order_id, {"status": order.status})
    return await _answer(request, order)


@router.post("/{order_id}/cancel", summary="Cancel an open order (a product goes back to stock)")
async def cancel(order_id: str, body: CancelIn, request: Request, who: Teller) -> dict[str, Any]:
    bank = _bank(request)
    await _of_branch(bank, order_id, _branch(who))
    try:
        order = await bank.orders.cancel(order_id, who.subject, idempotency_key=new_idempotency_key(), note=body.reason)
    except BankError as exc:
        raise _refusal(exc) from None
    await record_audit(request, who, "order_cancelled", order_id, {"reason": body.reason})
    return await _answer(request, order)
