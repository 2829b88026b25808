"""The `deliver` step: a device hands the customer something (a receipt, a new card, a locker cell).

It reaches devices only through the bank port's `devices` / `device_command` (the sandbox's HTTP routes, or
MQTT when `LOBBY_MQTT_URL` is set), so it neither knows nor cares which. What it adds is the degradation the
branch expects, from `data/delivery.yaml`: a device that refuses (jammed, out of paper) or does not answer in
time is followed by another of the same kind; when none delivers, the item is held under a pickup code that
the customer sees and that is recorded on the visit, so nothing is lost. Each device gets its own command id
derived from the step's idempotency key, so a retried turn never prints or dispenses twice.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from assistant.journeys.one_language import in_language
from assistant.journeys.ports import BankError
from assistant.journeys.render import render_value
from assistant.journeys.runtime import NEXT, Outcome, Run
from assistant.journeys.spec import DeliverStep, Localized
from assistant.journeys.steps.orders import order_for_held
from assistant.journeys.types import JourneyInput

POLICY_FILE = Path(__file__).parents[1] / "data" / "delivery.yaml"


class DeliveryPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_devices: int = Field(ge=1, le=10)
    prefer: tuple[str, ...]
    what: dict[str, Localized]
    orders: dict[str, str] = Field(default_factory=dict)
    messages: dict[str, Localized]


@lru_cache(maxsize=1)
def policy() -> DeliveryPolicy:
    return DeliveryPolicy.model_validate(yaml.safe_load(POLICY_FILE.read_text(encoding="utf-8")))


def pickup_code(idempotency_key: str) -> str:
    """Six digits fixed by the step's idempotency key: a resumed or retried visit shows the same code."""
    return f"{int(hashlib.sha256(idempotency_key.encode()).hexdigest()[:12], 16) % 10**6:06d}"


def candidates(step: DeliverStep, devices: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rules = policy()
    usable = [
        d
        for d in devices
        if d.get("kind") == step.device
        and d.get("status") in rules.prefer
        and (step.device != "card_dispenser" or (d.get("stock") or 0) > 0)
    ]
    usable.sort(key=lambda d: rules.prefer.index(str(d.get("status"))))
    return usable[: rules.max_devices]


async def deliver(step: DeliverStep, run: Run, inp: JourneyInput | None) -> Outcome:
    state = run.state
    done = state.results.get(step.id)
    if isinstance(done, dict) and done.get("status") in ("completed", "held"):
        return NEXT
    branch = state.context.branch_id
    try:
        devices = await run.call("devices", {"branch_id": branch}, lambda: run.bank.devices(branch))
    except BankError:
        devices = []
    params = in_language(render_value(step.params, run.data()), run.language)  # printed in the visit's language
    key = run.idempotency_key(step.id)
    attempts: list[dict[str, Any]] = []
    for n, device in enumerate(candidates(step, devices)):
        job = await _command(run, str(device["id"]), step, params, key if n == 0 else f"{key}-{device['id']}")
        if job.get("status") == "completed":
            state.results[step.id] = {**job, "attempts": attempts}
            if attempts:
                run.say("delivery.other_device", policy().messages["other_device"])
            run.say(f"{run.flow.name}.{step.id}", step.success)
            run.card(_card_type(step), step.title, **params)
            return NEXT
        attempts.append({"device": device["id"], "status": job.get("status"), "reason": job.get("reason")})
    await _hold(step, run, key, attempts, params)
    return NEXT


async def _command(run: Run, device_id: str, step: DeliverStep, params: Any, key: str) -> dict[str, Any]:
    """The device's job, or {status: no_answer} when it (or the way to it) did not answer in time."""
    body = {"command": step.command, "params": params}
    try:
        job = await run.call(
            "device_command",
            {"device_id": device_id, **body},
            lambda: run.bank.device_command(device_id, body, idempotency_key=key),
            key,
        )
    except BankError as exc:
        return {"status": "no_answer", "reason": exc.code}
    reason = (job.get("result") or {}).get("reason") if job.get("status") != "completed" else None
    return {**job, "reason": reason} if reason else dict(job)


async def _hold(step: DeliverStep, run: Run, key: str, attempts: list[dict[str, Any]], params: Any) -> None:
    """No device delivered: keep the item for the counter under a pickup code, visibly and on the record. Where
    `orders` in the policy names an order kind for the command, the item is a real order at the bank (a new card
    is `reserved` until the branch prints it, then `ready`), and the code is the bank's."""
    state, rules = run.state, policy()
    code, order_id = pickup_code(key), None
    kind = rules.orders.get(step.command)
    if kind is not None:
        detail = {"command": step.command, "device": step.device, "attempts": len(attempts)}
        detail.update({k: v for k, v in (params or {}).items() if k == "card_id"})
        made = await order_for_held(run, kind, detail, f"{key}-order")
        if made is not None:
            order_id, code = made
    what = rules.what[step.command]
    state.results[step.id] = {
        "status": "held",
        "device": step.device,
        "command": step.command,
        "pickup_code": code,
        "order_id": order_id,
        "attempts": attempts,
    }
    item = {
        "action": "device_pickup",
        "due": run.today().isoformat(),
        "customer_id": (state.customer or {}).get("customer_id"),
        "journey": state.journey,
        "step": step.id,
        "command": step.command,
        "branch_id": state.context.branch_id,
        "pickup_code": code,
        "order_id": order_id,
        "attempts": attempts,
    }
    state.follow_ups.append(item)
    run.follow_ups.append(item)
    run.say(f"{run.flow.name}.{step.id}.fallback", step.fallback)
    run.say("delivery.held", rules.messages["held"], code=code, what=what.model_dump())
    run.card(_card_type(step), step.title, **params, pickup_code=code)


def _card_type(step: DeliverStep) -> str:
    return "receipt" if step.command == "print_receipt" else "device"
