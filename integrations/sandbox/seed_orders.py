"""Seeding of order tracking: the product dispensers' stock and the demo's orders (`orders.yaml`).

Pickup codes of seeded orders are known (the demo shows them on a locker and in docs/orders.md); only
their hashes are written, made once per process like the seeded PINs'.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from integrations.sandbox import tables_orders as o
from integrations.sandbox.order_policy import policy
from integrations.sandbox.pins import hash_pin


@lru_cache(maxsize=16)
def _seeded_hash(order_id: str, code: str) -> str:
    return hash_pin(code)


def seed_orders(session: Session, customers: dict[str, Any], today: dt.date) -> None:
    """Stock per branch and product, and the seeded orders (ids `ord-seed-N`, due relative to `today`)."""
    rules = policy()
    for product, spec in rules["products"].items():
        for branch, stock in spec["stock"].items():
            session.add(o.ProductStock(branch_id=branch, product=product, stock=int(stock)))
    at = dt.datetime.combine(today, dt.time(9, 0))
    for n, entry in enumerate(rules["seed"], start=1):
        order_id = f"ord-seed-{n}"
        due = dt.datetime.combine(today + dt.timedelta(days=int(entry["due_in_days"])), dt.time(18, 0))
        session.add(
            o.Order(
                id=order_id,
                customer_id=customers[entry["customer"]]["id"],
                branch_id=entry["branch_id"],
                kind=entry["kind"],
                item=entry.get("item"),
                detail={"seeded": True},
                status=entry["status"],
                confirmed=True,
                session_id=None,
                code_hash=_seeded_hash(order_id, str(entry["code"])),
                code_failures=0,
                due_at=due,
                created_at=at,
                updated_at=at,
            )
        )
        steps = ["reserved"] if entry["status"] == "reserved" else ["reserved", entry["status"]]
        for before, after in zip([None, *steps], steps, strict=False):
            session.add(o.OrderEvent(order_id=order_id, from_status=before, to_status=after, by="seed", note="", at=at))


def seed_missing_orders(session: Session, customers: dict[str, Any], today: dt.date) -> bool:
    """A database seeded today by a sandbox without order tracking gets its stock and orders now."""
    if session.scalar(select(o.ProductStock.product).limit(1)) is not None:
        return False
    seed_orders(session, customers, today)
    return True
