"""Order tracking routes (`/v1/orders`): make, list, confirm, mark ready, hand over, cancel, release a visit's.

Rules are in `orders.py`. Writes carry an Idempotency-Key like every sandbox write, with two exceptions that
follow the PIN check's reasoning (`routes_verification.py`): the pickup itself carries a code, which must never
land in the idempotency table, so it takes no key (a repeat after a success is the 409 of a closed order);
and the answers that show a code store it blanked, so a replayed answer has `pickup_code: null` (the bank
cannot show it again: reissue one).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from integrations import schemas_orders as api
from integrations.sandbox import orders
from integrations.sandbox import tables as t
from integrations.sandbox import tables_orders as o
from integrations.sandbox.common import IdempotencyKey, StateDep, idempotent_write, not_found
from integrations.sandbox.state import now

router = APIRouter(prefix="/v1", tags=["orders"])


def _with_code(response: JSONResponse, code: list[str]) -> JSONResponse:
    """Put the code (made by this request, not a replay) into the live answer only."""
    if not code or response.status_code >= 300:
        return response
    body = json.loads(bytes(response.body))
    body["pickup_code"] = code[0]
    return JSONResponse(body, status_code=response.status_code)


@router.post("/orders", status_code=201, response_model=api.Order)
def create(body: api.OrderRequest, request: Request, state: StateDep, key: IdempotencyKey) -> JSONResponse:
    """A new order, `reserved`, with its pickup code in this answer only. A product comes out of the branch's
    stock (409 `out_of_stock`); `confirmed: false` makes a visit's reservation that lapses unless confirmed."""
    made: list[str] = []

    def act(s: Session) -> tuple[int, api.Order]:
        if s.get(t.Customer, body.customer_id) is None:
            raise not_found("customer", body.customer_id)
        order, code = orders.create(s, body)
        made.append(code)
        return 201, orders.view(s, order)

    return _with_code(idempotent_write(state, request, key, body, act), made)


@router.get("/orders", response_model=list[api.Order])
def listing(
    state: StateDep,
    branch_id: str | None = None,
    customer_id: str | None = None,
    status: str | None = None,
    session_id: str | None = None,
) -> list[api.Order]:
    """Orders, newest first, filtered by branch, customer, status or visit (past-time ones expired first)."""
    with state.session() as s:
        orders.expire_due(s)
        stmt = select(o.Order).order_by(o.Order.created_at.desc()).limit(500)
        for column, value in (
            (o.Order.branch_id, branch_id),
            (o.Order.customer_id, customer_id),
            (o.Order.status, status),
            (o.Order.session_id, session_id),
        ):
            if value:
                stmt = stmt.where(column == value)
        at = now()
        return [orders.view(s, row, at=at) for row in s.scalars(stmt)]


@router.get("/orders/summary", response_model=api.OrderSummary)
def summary(state: StateDep, branch_id: str) -> api.OrderSummary:
    """Per state, how many orders a branch has, and how many open ones are past their deadline."""
    with state.session() as s:
        orders.expire_due(s)
        at = now()
        rows = s.execute(select(o.Order.status, o.Order.due_at).where(o.Order.branch_id == branch_id)).all()
    counts = {status: 0 for status in orders.TRANSITIONS}
    for status, _ in rows:
        counts[status] += 1
    overdue = sum(1 for status, due in rows if status in api.OPEN_STATUSES and due < at)
    return api.OrderSummary(branch_id=branch_id, counts=counts, overdue=overdue)


@router.get("/orders/{order_id}", response_model=api.Order)
def get(state: StateDep, order_id: str) -> api.Order:
    with state.session() as s:
        return orders.view(s, orders.find(s, order_id))


def _act(order_id: str, body: Any, request: Request, state: StateDep, key: str, change: Any) -> JSONResponse:
    def act(s: Session) -> tuple[int, api.Order]:
        order = orders.find(s, order_id)
        change(s, order)
        s.flush()
        return 200, orders.view(s, order)

    return idempotent_write(state, request, key, body, act)


@router.post("/orders/{order_id}/confirm", response_model=api.Order)
def confirm(
    order_id: str, body: api.OrderConfirm, request: Request, state: StateDep, key: IdempotencyKey
) -> JSONResponse:
    """The customer agreed: a visit's reservation is kept until the pickup deadline (`ready`: it is here)."""
    return _act(order_id, body, request, state, key, lambda s, order: orders.confirm(s, order, body.by, body.ready))


@router.post("/orders/{order_id}/ready", response_model=api.Order)
def ready(order_id: str, body: api.OrderAction, request: Request, state: StateDep, key: IdempotencyKey) -> JSONResponse:
    """The branch has it (printed the card, put the product in a cell): `reserved -> ready`."""
    return _act(
        order_id, body, request, state, key, lambda s, order: orders.move(s, order, "ready", body.by, body.note)
    )


@router.post("/orders/{order_id}/cancel", response_model=api.Order)
def cancel(
    order_id: str, body: api.OrderAction, request: Request, state: StateDep, key: IdempotencyKey
) -> JSONResponse:
    """Cancel an open order (a product goes back to stock)."""
    return _act(
        order_id, body, request, state, key, lambda s, order: orders.move(s, order, "cancelled", body.by, body.note)
    )


@router.post("/orders/{order_id}/code", response_model=api.Order)
def reissue(
    order_id: str, body: api.OrderAction, request: Request, state: StateDep, key: IdempotencyKey
) -> JSONResponse:
    """A new pickup code (after a lock-out and an ID check, or when the first answer was lost)."""
    made: list[str] = []

    def change(s: Session, order: o.Order) -> None:
        made.append(orders.reissue(s, order, body.by))

    return _with_code(_act(order_id, body, request, state, key, change), made)


@router.post("/orders/{order_id}/pickup", response_model=api.Order)
def pickup(order_id: str, body: api.OrderPickup, state: StateDep) -> JSONResponse:
    """Hand a `ready` order over when the customer's code matches: 409 `wrong_pickup_code` (`tries_left`), then
    `pickup_code_locked`. No Idempotency-Key: the code must not be stored (see the module docstring)."""
    with state.session() as s:
        order = orders.find(s, order_id)
        if order.status != "ready":
            orders.move(s, order, "picked_up", body.by)  # the 409 naming the state it is in
        refused = orders.check_code(s, order, body.pickup_code)
        if refused is not None:
            return JSONResponse(refused, status_code=409)  # the session commits the counted try
        orders.move(s, order, "picked_up", body.by, body.note)
        s.flush()
        return JSONResponse(orders.view(s, order).model_dump(mode="json"))


@router.post("/orders/release", response_model=list[api.Order])
def release_visit(body: api.VisitRelease, request: Request, state: StateDep, key: IdempotencyKey) -> JSONResponse:
    """Cancel every unconfirmed reservation a visit made (it ended or was cancelled without a yes)."""

    def act(s: Session) -> tuple[int, list[api.Order]]:
        orders.expire_due(s)
        rows = s.scalars(
            select(o.Order).where(
                o.Order.session_id == body.session_id,
                o.Order.confirmed.is_(False),
                o.Order.status.in_(api.OPEN_STATUSES),
            )
        ).all()
        for row in rows:
            orders.move(s, row, "cancelled", body.by, "released: not confirmed")
        s.flush()
        return 200, [orders.view(s, row) for row in rows]

    return idempotent_write(state, request, key, body, act)
