"""Orders at the bank from a journey: the `reserve` step, the order behind an item a `deliver` step holds, and
releasing a visit's unconfirmed reservations.

Why the bank: it is the system of record for what a branch owes a customer, so the teller's console and the
customer's phone read the same order the kiosk made, and its pickup code is checked by the bank (which keeps
only a hash). The code is shown to the customer once, from the answer that made it; the journey keeps it in its
state so a resumed visit shows it again. A bank port without order tracking (`OrderPort`) keeps the older way:
a code made here and a follow-up on the visit.

Release: a reservation is made unconfirmed (`confirmed: false`), tagged with the visit. The engine releases
it when the journey is cancelled or stops short (`release_unconfirmed`); the session API and the idle sweep
release a visit's at its end (`POST /v1/orders/release`); and the bank lets it lapse after its hold anyway.
"""

from __future__ import annotations

import uuid
from typing import Any

from assistant.journeys.ports import BankError, OrderPort
from assistant.journeys.render import render_value
from assistant.journeys.runtime import NEXT, Outcome, Run, stop
from assistant.journeys.spec import ReserveStep
from assistant.journeys.types import JourneyInput

VISIT = "kiosk visit"


def _orders(run: Run) -> OrderPort | None:
    return run.bank if isinstance(run.bank, OrderPort) else None


async def _code_of(run: Run, port: OrderPort, order: dict[str, Any], key: str) -> str | None:
    """The pickup code of a just-made order; a replayed answer has none, so the bank makes a new one."""
    if order.get("pickup_code"):
        return str(order["pickup_code"])
    again_key = f"{key}-code-{uuid.uuid4().hex[:8]}"
    oid = str(order["id"])
    again = await run.call(
        "reissue_order_code",
        {"order_id": oid},
        lambda: port.reissue_order_code(oid, VISIT, idempotency_key=again_key),
        again_key,
    )
    return str(again.get("pickup_code") or "") or None


async def order_for_held(run: Run, kind: str, detail: dict[str, Any], key: str) -> tuple[str, str] | None:
    """A `reserved` order at the bank for an item no device delivered: (order id, pickup code), or None when
    the bank has no order tracking or cannot be reached (the caller then keeps the item under its own code)."""
    port, state = _orders(run), run.state
    customer = (state.customer or {}).get("customer_id")
    if port is None or not customer:
        return None
    body = {
        "customer_id": customer,
        "branch_id": state.context.branch_id,
        "kind": kind,
        "detail": detail,
        "session_id": state.context.session_id,
        "by": VISIT,
    }
    try:
        order = await run.call("create_order", body, lambda: port.create_order(body, idempotency_key=key), key)
        code = await _code_of(run, port, order, key)
    except BankError:
        return None
    return (str(order["id"]), code) if code else None


async def reserve(step: ReserveStep, run: Run, inp: JourneyInput | None) -> Outcome:
    state = run.state
    done = state.results.get(step.id)
    if isinstance(done, dict) and done.get("order_id"):
        return NEXT
    port = _orders(run)
    if port is None:
        run.say(f"{run.flow.name}.{step.id}.fallback", step.fallback)
        return stop("failed")
    key = run.idempotency_key(step.id)
    try:
        if step.action == "reserve":
            state.results[step.id] = await _reserve(step, run, port, key)
        else:
            state.results[step.id] = await _keep(step, run, port, key)
    except BankError as exc:
        state.results[step.id] = {"status": "failed", "reason": exc.code}
        run.say(f"{run.flow.name}.{step.id}.fallback", step.fallback)
        return stop("failed")
    result = state.results[step.id]
    run.say(f"{run.flow.name}.{step.id}", step.success, code=result.get("pickup_code"))
    if step.action == "confirm":
        run.card("pickup", step.title, order_id=result["order_id"], pickup_code=result.get("pickup_code"))
    return NEXT


async def _reserve(step: ReserveStep, run: Run, port: OrderPort, key: str) -> dict[str, Any]:
    state = run.state
    product = str(render_value(step.product, run.data()))
    body = {
        "customer_id": (state.customer or {}).get("customer_id"),
        "branch_id": state.context.branch_id,
        "kind": "product",
        "item": product,
        "session_id": state.context.session_id,
        "confirmed": False,
        "by": VISIT,
    }
    order = await run.call("create_order", body, lambda: port.create_order(body, idempotency_key=key), key)
    code = await _code_of(run, port, order, key)
    return {
        "order_id": order["id"],
        "status": order["status"],
        "confirmed": False,
        "item": product,
        "name": {"zh": order.get("name"), "en": order.get("name_en")},
        "pickup_code": code,
    }


async def _keep(step: ReserveStep, run: Run, port: OrderPort, key: str) -> dict[str, Any]:
    held = run.state.results.get(step.reservation or "") or {}
    order_id = str(held["order_id"])
    order = await run.call(
        "confirm_order",
        {"order_id": order_id, "ready": step.ready},
        lambda: port.confirm_order(order_id, VISIT, step.ready, idempotency_key=key),
        key,
    )
    held.update(confirmed=True, status=order["status"])
    return {
        "order_id": order_id,
        "status": order["status"],
        "due_at": order.get("due_at"),
        "pickup_code": held.get("pickup_code"),
    }


async def release_unconfirmed(run: Run) -> list[str]:
    """Release the reservations this journey made and the customer never confirmed (cancelled, stopped short).
    A failure to reach the bank is left to the visit's end and the bank's hold: it never blocks the cancel."""
    port, state = _orders(run), run.state
    open_ = [
        r for r in state.results.values() if isinstance(r, dict) and r.get("order_id") and r.get("confirmed") is False
    ]
    if port is None or not open_:
        return []
    session = state.context.session_id
    key = f"{run.idempotency_key('release')}-release"
    try:
        released = await run.call(
            "release_visit_orders",
            {"session_id": session},
            lambda: port.release_visit_orders(session, "journey cancelled", idempotency_key=key),
            key,
        )
    except BankError:
        return []
    for r in open_:
        r.update(status="cancelled", released=True)
    return [str(o["id"]) for o in released]
