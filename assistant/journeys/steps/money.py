"""Steps that act on the bank: risk screen, execute (idempotent), authorise (delivery on a device: delivery.py).

Safety rules live here, not in the flow files: a write needs a confirmation given in the current
epoch, a retried write reuses its idempotency key, a blocked screen stops the journey, and an
authorization is only taken as approved when the bank (or the staff decision event) says so.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from assistant.journeys.conditions import MISSING, evaluate, lookup
from assistant.journeys.ports import OPERATIONS, BankError, BankUnavailable
from assistant.journeys.render import render_value
from assistant.journeys.runtime import NEXT, Outcome, Run, stop, wait
from assistant.journeys.slots import yes_no
from assistant.journeys.spec import (
    AuthoriseStep,
    CollectStep,
    ConfirmStep,
    ExecuteStep,
    RiskScreenStep,
    VerifyStep,
)
from assistant.journeys.steps import authorisation_facts
from assistant.journeys.steps.verification import verified
from assistant.journeys.types import JourneyInput

RISK_ORDER = {"C1": 1, "C2": 2, "C3": 3, "C4": 4, "C5": 5}
LEVEL_ORDER = {"R1": 1, "R2": 2, "R3": 3, "R4": 4, "R5": 5}


def _slot(run: Run, name: str | None) -> Any:
    return run.state.slots.get(name) if name else None


def _suitability(step: RiskScreenStep, run: Run) -> Outcome:
    profile = run.state.profile or {}
    product = run.products.find(str(_slot(run, step.product) or ""))
    tolerance = profile.get("risk_tolerance")
    result: dict[str, Any] = {
        "product": product.id if product else None,
        "product_level": product.risk_level if product else None,
        "customer_level": tolerance,
        "assessment_valid": bool(profile.get("risk_assessment_valid")),
    }
    run.state.results[step.id] = result
    if product is None:
        run.say("engine.invalid_answer")
        return stop("failed")
    if not tolerance or not profile.get("risk_assessment_valid"):
        result["decision"] = "assessment_required"
        run.say("engine.assessment_required")
        run.suggest("human")
        return stop("blocked")
    if LEVEL_ORDER[product.risk_level] > RISK_ORDER.get(str(tolerance), 0):
        result["decision"] = "unsuitable"
        run.say("engine.suitability_block", **result)
        run.suggest("human")
        return stop("blocked")
    amount = _slot(run, step.amount)
    if product.min_amount is not None and amount is not None and Decimal(str(amount)) < product.min_amount:
        result["decision"] = "below_minimum"
        run.say("engine.below_minimum", minimum=f"{product.min_amount:,.0f}")
        run.state.slots.pop(str(step.amount), None)
        owner = next(s.id for s in run.flow.steps if isinstance(s, CollectStep) and step.amount in s.slots)
        return Outcome("goto", target=owner)
    result["decision"] = "suitable"
    return NEXT


async def risk_screen(step: RiskScreenStep, run: Run, inp: JourneyInput | None) -> Outcome:
    if step.screen == "suitability":
        return _suitability(step, run)
    state = run.state
    awaited = state.awaiting or {}
    if awaited.get("kind") == "risk_ack" and awaited.get("step") == step.id and inp is not None:
        decision = True if inp.action == "yes" else False if inp.action == "no" else yes_no(inp.text, run.messages)
        if decision:
            state.results[step.id]["acknowledged"] = True
            return NEXT
        if decision is False:
            run.say("engine.cancelled")
            return stop("cancelled")
        run.say("engine.confirm_unclear")
        return wait(kind="risk_ack", step=step.id)
    body = {
        "customer_id": (state.customer or {}).get("customer_id"),
        "counterparty_account": _slot(run, step.counterparty_account),
        "counterparty_name": _slot(run, step.counterparty_name),
        "amount": _slot(run, step.amount),
        "channel": "kiosk" if state.context.channel == "kiosk" else "counter",
    }
    try:
        screened = await run.call("risk_screen", body, lambda: run.bank.risk_screen(body))
    except BankError:
        run.say("engine.bank_unavailable")
        run.suggest("retry", "human", "cancel")
        return wait(kind="retry", step=step.id)
    state.results[step.id] = screened
    decision = screened.get("decision")
    if decision == "allow":
        return NEXT
    if decision == "warn":
        run.say("engine.risk_warn")
        run.card("warning", {"zh": "防诈骗提醒", "en": "Fraud warning"}, decision="warn")
        run.suggest("continue", "cancel", "human")
        return wait(kind="risk_ack", step=step.id)
    if decision == "hold":
        run.say("engine.risk_hold")
        run.handoff_request("risk_review", "high", "risk_hold")
        return stop("handed_off")
    run.say("engine.risk_block")
    return stop("blocked")


def _confirmed_before(step: ExecuteStep, run: Run) -> bool:
    """A confirm step earlier in the flow was answered yes in the current epoch."""
    here = run.flow.index(step.id)
    return any(
        isinstance(s, ConfirmStep) and run.state.confirmed.get(s.id) == run.state.epoch for s in run.flow.steps[:here]
    )


def _verified_before(step: ExecuteStep, run: Run) -> bool:
    """Every verify step earlier in the flow (whose condition holds) passed for the request as confirmed."""
    here, data = run.flow.index(step.id), run.data()
    return all(verified(s, run) for s in run.flow.steps[:here] if isinstance(s, VerifyStep) and evaluate(s.when, data))


def _invoker(run: Run, op: str, args: dict[str, Any], key: str | None) -> Callable[[], Awaitable[Any]]:
    b = run.bank
    table: dict[str, Callable[[], Awaitable[Any]]] = {
        "transfer": lambda: b.transfer(args, idempotency_key=key or ""),
        "open_time_deposit": lambda: b.open_time_deposit(args, idempotency_key=key or ""),
        "counter_order": lambda: b.counter_order(args, idempotency_key=key or ""),
        "report_card_loss": lambda: b.report_card_loss(
            str(args["card_id"]), args.get("body", {}), idempotency_key=key or ""
        ),
        "replace_card": lambda: b.replace_card(str(args["card_id"]), args.get("body", {}), idempotency_key=key or ""),
        "queue_ticket": lambda: b.queue_ticket(args, idempotency_key=key or ""),
        "check_in": lambda: b.check_in(str(args["booking_code"]), idempotency_key=key or ""),
        "fx_rates": b.fx_rates,
        "transactions": lambda: b.transactions(
            str(args["account_id"]), int(args.get("limit", 10)), int(args.get("months") or 0)
        ),
        "profile": lambda: b.profile(str(args["customer_id"])),
    }
    return table[op]


async def execute(step: ExecuteStep, run: Run, inp: JourneyInput | None) -> Outcome:
    state = run.state
    is_write, is_money = OPERATIONS[step.operation]
    if is_write and state.executed.get(step.id) == state.epoch and step.save_as in state.results:
        return NEXT
    needs_confirmation = step.requires_confirmation if step.requires_confirmation is not None else is_write
    if needs_confirmation and not _confirmed_before(step, run):
        run.say("engine.integrity")
        return stop("failed")
    if is_money and not _verified_before(step, run):
        run.say("engine.not_verified")
        return stop("failed")
    awaited = state.awaiting or {}
    declined = inp is not None and (inp.action == "no" or yes_no(inp.text, run.messages) is False)
    if awaited.get("kind") == "retry" and awaited.get("step") == step.id and declined:
        run.say("engine.cancelled")
        return stop("cancelled")
    args = render_value(step.args, run.data())
    key = run.idempotency_key(step.id) if is_write else None
    try:
        result = await run.call(step.operation, args, _invoker(run, step.operation, args, key), key)
    except BankUnavailable:
        run.say("engine.bank_unavailable")
        run.suggest("retry", "human", "cancel")
        return wait(kind="retry", step=step.id)
    except BankError as e:
        state.results[step.save_as] = {"error": e.code, "message": str(e)}
        run.say("engine.bank_rejected", reason=run.reason(e.code))
        run.suggest("human")
        return stop("rejected")
    if step.index and isinstance(result, dict):
        items = result.get(step.index["list"], [])
        result = {**result, "by": {str(i.get(step.index["key"])): i for i in items if isinstance(i, dict)}}
    state.results[step.save_as] = result
    if is_write:
        state.executed[step.id] = state.epoch
    if isinstance(result, dict) and result.get("status") in ("rejected", "failed"):
        run.say("engine.bank_rejected", reason=run.reason(result.get("reason") or result.get("status")))
        run.suggest("human")
        return stop("rejected")
    if step.success is not None:
        run.say(f"{run.flow.name}.{step.id}", step.success)
    return NEXT


async def authorise(step: AuthoriseStep, run: Run, inp: JourneyInput | None) -> Outcome:
    state = run.state
    auth_id = lookup(state.results, step.authorization_id)
    if auth_id is MISSING or not auth_id:
        return NEXT
    awaited = state.awaiting or {}
    if awaited.get("kind") != "authorization" or awaited.get("step") != step.id:
        refused = await authorisation_facts.gather(run, str(auth_id))  # balance and payee, checked now
        if refused is not None:
            return refused
        run.say(f"{run.flow.name}.{step.id}", step.prompt)
        run.card("authorization", {"zh": "等待授权", "en": "Awaiting authorisation"}, authorization_id=auth_id)
        run.authorization = {"id": auth_id, "status": "pending"}
        return Outcome(
            "wait", status="waiting_authorization", awaiting={"kind": "authorization", "step": step.id, "id": auth_id}
        )
    decided = await _decision(run, str(auth_id), inp)
    run.authorization = {"id": auth_id, "status": decided.get("status", "pending")}
    if decided.get("status") == "approved":
        if step.save_as:
            state.results[step.save_as] = decided.get("transfer", decided)
        run.say("engine.auth_approved")
        return NEXT
    if decided.get("status") == "rejected":
        run.say("engine.auth_rejected")
        return stop("rejected")
    run.say("engine.auth_pending")
    return Outcome(
        "wait", status="waiting_authorization", awaiting={"kind": "authorization", "step": step.id, "id": auth_id}
    )


async def _decision(run: Run, auth_id: str, inp: JourneyInput | None) -> dict[str, Any]:
    """The bank's view when it has a status call; otherwise the staff decision event (never customer text)."""
    try:
        status = await run.call(
            "authorization_status", {"authorization_id": auth_id}, lambda: run.bank.authorization_status(auth_id)
        )
    except BankError:
        status = None
    if isinstance(status, dict):
        return status
    if inp is not None and inp.event is not None and inp.event.type == "authorization_decided":
        data = inp.event.data
        if str(data.get("authorization_id", data.get("id"))) == auth_id:
            return dict(data)
    return {"status": "pending"}
