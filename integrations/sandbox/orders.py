"""Order tracking, the bank's rules: the state machine, deadlines and expiry, stock, the pickup code.

States: `reserved -> ready -> picked_up`, and `cancelled` / `expired` from either open state; nothing leaves
a closed state. An illegal transition is refused with 409 `order_transition_invalid` (naming both states).
Every transition is an `OrderEvent` with its time and who did it.

Expiry is lazy: every read and write of orders first runs `expire_due`, which closes what is past its time
(an open order `grace_hours` past its deadline, an unconfirmed reservation past its `hold_minutes`) as
`expired` by `expiry`. So nothing needs a timer, every replica of the bank agrees, and a read never shows a
state the bank would refuse to act on. A product that leaves without being picked up goes back to stock.

The pickup code: `code_digits` random digits, shown once in the answer that made it; the bank keeps its salted
scrypt hash (`pins.py`). Wrong codes count on the order; the `code_tries`-th locks it (409 `pickup_code_locked`)
until a teller, having checked the customer's ID, reissues a code.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from integrations import schemas_orders as api
from integrations.sandbox import tables_orders as o
from integrations.sandbox.common import ApiError, not_found, rejected
from integrations.sandbox.order_policy import deadline, names, new_code, policy
from integrations.sandbox.pins import hash_pin, verify_pin
from integrations.sandbox.state import new_id, now

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "reserved": ("ready", "cancelled", "expired"),
    "ready": ("picked_up", "cancelled", "expired"),
    "picked_up": (),
    "cancelled": (),
    "expired": (),
}


def _grace() -> dt.timedelta:
    return dt.timedelta(hours=int(policy()["grace_hours"]))


def view(s: Session, order: o.Order, code: str | None = None, at: dt.datetime | None = None) -> api.Order:
    at = at or now()
    name, name_en = names(order.kind, order.item)
    events = s.scalars(select(o.OrderEvent).where(o.OrderEvent.order_id == order.id).order_by(o.OrderEvent.id))
    return api.Order(
        id=order.id,
        customer_id=order.customer_id,
        branch_id=order.branch_id,
        kind=order.kind,
        item=order.item,
        name=name,
        name_en=name_en,
        detail=order.detail or {},
        status=order.status,
        confirmed=order.confirmed,
        session_id=order.session_id,
        due_at=order.due_at,
        overdue=order.status in api.OPEN_STATUSES and order.due_at < at,
        code_tries_left=max(int(policy()["code_tries"]) - order.code_failures, 0),
        created_at=order.created_at,
        updated_at=order.updated_at,
        history=[api.OrderEvent.model_validate(e, from_attributes=True) for e in events],
        pickup_code=code,
    )


def move(s: Session, order: o.Order, to: str, by: str, note: str = "", at: dt.datetime | None = None) -> None:
    """One validated transition, recorded; a product that will not be picked up returns to stock."""
    if to not in TRANSITIONS[order.status]:
        raise rejected(
            "order_transition_invalid",
            f"an order that is {order.status} cannot become {to}",
            order_id=order.id,
            state=order.status,
            to=to,
        )
    at = at or now()
    s.add(o.OrderEvent(order_id=order.id, from_status=order.status, to_status=to, by=by, note=note, at=at))
    order.status, order.updated_at = to, at
    if to in ("cancelled", "expired") and order.kind == "product" and order.item:
        stock = s.get(o.ProductStock, (order.branch_id, order.item))
        if stock is not None:
            stock.stock += 1


def _note(s: Session, order: o.Order, by: str, note: str, at: dt.datetime) -> None:
    """An event that changes no state (confirmed, code reissued): still timestamped with who did it."""
    s.add(o.OrderEvent(order_id=order.id, from_status=order.status, to_status=order.status, by=by, note=note, at=at))


def expire_due(s: Session, at: dt.datetime | None = None) -> int:
    """Close what is past its time (see the module docstring); returns how many orders expired."""
    at = at or now()
    stale = s.scalars(
        select(o.Order).where(
            o.Order.status.in_(api.OPEN_STATUSES),
            o.Order.due_at < at,
        )
    ).all()
    n = 0
    for order in stale:
        if order.confirmed and order.due_at + _grace() >= at:
            continue  # overdue, still kept for the customer
        move(s, order, "expired", "expiry", "not confirmed in time" if not order.confirmed else "not picked up", at)
        n += 1
    return n


def find(s: Session, order_id: str) -> o.Order:
    expire_due(s)
    order = s.get(o.Order, order_id)
    if order is None:
        raise not_found("order", order_id)
    return order


def create(s: Session, body: api.OrderRequest, at: dt.datetime | None = None) -> tuple[o.Order, str]:
    """A new `reserved` order and its pickup code (the code is returned, only its hash kept)."""
    at = at or now()
    expire_due(s, at)
    if body.kind == "product":
        if not body.item or body.item not in policy()["products"]:
            raise ApiError(422, "product_unknown", f"no product {body.item!r}", item=body.item)
        stock = s.get(o.ProductStock, (body.branch_id, body.item))
        if stock is None or stock.stock <= 0:
            raise rejected("out_of_stock", f"{body.item} is out of stock at {body.branch_id}", item=body.item)
        stock.stock -= 1
    code = new_code()
    order = o.Order(
        id=new_id("ord"),
        customer_id=body.customer_id,
        branch_id=body.branch_id,
        kind=body.kind,
        item=body.item,
        detail=body.detail,
        status="reserved",
        confirmed=body.confirmed,
        session_id=body.session_id,
        code_hash=hash_pin(code),
        code_failures=0,
        due_at=deadline(body.kind, body.confirmed, at),
        created_at=at,
        updated_at=at,
    )
    s.add(order)
    s.add(o.OrderEvent(order_id=order.id, from_status=None, to_status="reserved", by=body.by, note="", at=at))
    s.flush()
    return order, code


def confirm(s: Session, order: o.Order, by: str, ready: bool) -> None:
    """A visit's reservation, agreed by the customer: kept until the kind's pickup deadline."""
    if order.status not in api.OPEN_STATUSES:
        move(s, order, "ready", by)  # refused with the usual 409: it is closed
    at = now()
    if not order.confirmed:
        order.confirmed, order.due_at, order.updated_at = True, deadline(order.kind, True, at), at
        _note(s, order, by, "confirmed", at)
    if ready and order.status == "reserved":
        move(s, order, "ready", by, at=at)


def check_code(s: Session, order: o.Order, code: str) -> dict[str, Any] | None:
    """None when `code` is right; else the refusal's body, the wrong try counted (it must be committed)."""
    tries = int(policy()["code_tries"])
    if order.code_failures >= tries:
        locked = ApiError(409, "pickup_code_locked", "too many wrong pickup codes: check ID and reissue", tries_left=0)
        return locked.body()
    if verify_pin(order.code_hash, code.strip()):
        order.code_failures = 0
        return None
    order.code_failures += 1
    left = max(tries - order.code_failures, 0)
    code_name = "pickup_code_locked" if left == 0 else "wrong_pickup_code"
    return ApiError(409, code_name, "the pickup code does not match", tries_left=left).body()


def reissue(s: Session, order: o.Order, by: str) -> str:
    """A new code for an open order (the old one stops working, the tries start again)."""
    if order.status not in api.OPEN_STATUSES:
        raise rejected("order_closed", f"order is {order.status}", state=order.status)
    code = new_code()
    order.code_hash, order.code_failures, order.updated_at = hash_pin(code), 0, now()
    _note(s, order, by, "code reissued", order.updated_at)
    return code
